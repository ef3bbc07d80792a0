public import Logging

/// Where a command connected: the endpoint it names in its output (never with a password), and
/// the disposable PostgreSQL when it used one.
public struct ConnectedTarget: Sendable {
    public var endpoint: String
    public var embedded: EmbeddedPostgres?
}

/// Opens the target a command reads or writes: `--target`, else libpq's own `PG*` environment,
/// else the work directory's disposable PostgreSQL (``TargetChoice``).
public struct TargetConnector: Sendable {
    public let work: WorkDirectory
    public let logger: Logger

    public init(work: WorkDirectory, logger: Logger) {
        self.work = work
        self.logger = logger
    }

    /// `fresh` starts a new disposable PostgreSQL for the work directory (a first load);
    /// otherwise its existing one is attached.
    public func connect(_ target: String?, fresh: Bool) throws(MigrationError) -> (PostgresConnection, ConnectedTarget) {
        switch TargetChoice.choose(target: target) {
        case .explicit(let conninfo):
            let connection = try PostgresConnection(conninfo)
            return (connection, ConnectedTarget(endpoint: connection.endpoint, embedded: nil))
        case .environment:
            let connection = try PostgresConnection("")
            return (connection, ConnectedTarget(endpoint: connection.endpoint, embedded: nil))
        case .embedded:
            let cluster = fresh ? try EmbeddedPostgres.startFresh(workDirectory: work.path) : try EmbeddedPostgres.attach(workDirectory: work.path)
            if fresh {
                logger.notice("started a disposable PostgreSQL", metadata: ["data": "\(cluster.dataDirectory)", "connect": "\(cluster.psqlCommand)"])
            }
            let connection = try PostgresConnection(cluster.conninfo)
            return (connection, ConnectedTarget(endpoint: "embedded \(connection.endpoint)", embedded: cluster))
        }
    }
}
