public import Logging

/// Where a command connected: the endpoint it names in its output (never with a password), how
/// the connection travels (``PostgresConnection/transport``), and the disposable PostgreSQL
/// when it used one.
public struct ConnectedTarget: Sendable {
    public var endpoint: String
    public var transport: String
    public var embedded: EmbeddedPostgres?
}

/// Opens the target a command reads or writes: `--target`, else libpq's own `PG*` environment,
/// else the work directory's disposable PostgreSQL (``TargetChoice``). A target reached over
/// TCP must satisfy `transport` (``TransportPolicy``).
public struct TargetConnector: Sendable {
    public let work: WorkDirectory
    public let logger: Logger
    public let transport: TransportPolicy
    /// The work directory whose disposable PostgreSQL a later command attaches (`--after`), when
    /// not this command's own: a delta run in a new work directory over an earlier run's cluster.
    public var disposableFrom: String?

    public init(work: WorkDirectory, logger: Logger, transport: TransportPolicy = TransportPolicy(), disposableFrom: String? = nil) {
        self.work = work
        self.logger = logger
        self.transport = transport
        self.disposableFrom = disposableFrom
    }

    /// `fresh` starts a new disposable PostgreSQL for the work directory (a first load);
    /// otherwise its existing one is attached.
    public func connect(_ target: String?, fresh: Bool) throws(MigrationError) -> (PostgresConnection, ConnectedTarget) {
        switch TargetChoice.choose(target: target) {
        case .explicit(let conninfo):
            let connection = try checkedConnection(conninfo)
            return (connection, ConnectedTarget(endpoint: connection.endpoint, transport: connection.transport, embedded: nil))
        case .environment:
            let connection = try checkedConnection("")
            return (connection, ConnectedTarget(endpoint: connection.endpoint, transport: connection.transport, embedded: nil))
        case .embedded:
            let cluster: EmbeddedPostgres
            if let disposableFrom {
                cluster = try EmbeddedPostgres.attach(workDirectory: disposableFrom)
            } else {
                cluster = fresh ? try EmbeddedPostgres.startFresh(workDirectory: work.path) : try EmbeddedPostgres.attach(workDirectory: work.path)
            }
            if fresh {
                logger.notice("started a disposable PostgreSQL", metadata: ["data": "\(cluster.dataDirectory)", "connect": "\(cluster.psqlCommand)"])
            }
            let connection = try PostgresConnection(cluster.conninfo, logger: logger)
            let described = ConnectedTarget(
                endpoint: "embedded \(connection.endpoint)", transport: connection.transport, embedded: cluster
            )
            return (connection, described)
        }
    }

    /// A connection to `conninfo` that ``transport`` allows: checked before connecting, and again
    /// on the live connection's options.
    private func checkedConnection(_ conninfo: String) throws(MigrationError) -> PostgresConnection {
        try transport.check(conninfo: conninfo)
        let connection = try PostgresConnection(conninfo, logger: logger)
        try transport.check(connection: connection)
        return connection
    }
}
