public import Foundation
import Glibc

/// A disposable local PostgreSQL cluster for runs given no target: `initdb` and `pg_ctl` in
/// the work directory, listening only on a Unix socket in a private directory, run as the
/// `postgres` user when mlm-migrate runs as root (PostgreSQL refuses to run as root).
public struct EmbeddedPostgres: Codable, Sendable {
    public var dataDirectory: String
    public var socketDirectory: String
    public var port: Int
    public var binDirectory: String
    public var database: String
    public var runAsPostgresUser: Bool

    /// The libpq connection string for this cluster.
    public var conninfo: String { "host=\(socketDirectory) port=\(port) user=postgres dbname=\(database)" }

    /// How an operator connects by hand.
    public var psqlCommand: String { "psql \"\(conninfo)\"" }

    /// The command that stops the cluster.
    public var stopCommand: String {
        (runAsPostgresUser ? "runuser -u postgres -- " : "") + "\(binDirectory)/pg_ctl -D \(dataDirectory) stop"
    }

    static func stateFile(_ workDirectory: String) -> String { "\(workDirectory)/embedded-postgres.json" }

    /// Starts a new, empty cluster for `workDirectory`, replacing (after stopping it) any
    /// cluster an earlier run left there: it is disposable by definition.
    public static func startFresh(workDirectory: String) throws(MigrationError) -> EmbeddedPostgres {
        if let old = try? load(workDirectory: workDirectory) {
            old.stop()
            try? FileManager.default.removeItem(atPath: old.dataDirectory)
        }
        let binDirectory = try findBinDirectory()
        let asPostgres = geteuid() == 0
        let base = try clusterBase(workDirectory: workDirectory, asPostgres: asPostgres)
        let cluster = EmbeddedPostgres(
            dataDirectory: "\(base)/data", socketDirectory: base, port: freePort(),
            binDirectory: binDirectory, database: "mlm", runAsPostgresUser: asPostgres
        )
        try? FileManager.default.removeItem(atPath: cluster.dataDirectory)
        try cluster.run("initdb", ["-D", cluster.dataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"])
        try cluster.start()
        try PostgresConnection("host=\(cluster.socketDirectory) port=\(cluster.port) user=postgres dbname=postgres")
            .execute("CREATE DATABASE \(cluster.database)", what: "creating the embedded database")
        guard let data = try? JSONEncoder().encode(cluster) else {
            throw MigrationError(.workdirUnwritable, "cannot record the embedded cluster in \(workDirectory)")
        }
        try AtomicFile.write(Array(data), to: stateFile(workDirectory))
        return cluster
    }

    /// The cluster an earlier stage started in `workDirectory`, started again if it stopped.
    public static func attach(workDirectory: String) throws(MigrationError) -> EmbeddedPostgres {
        let cluster = try load(workDirectory: workDirectory)
        if !cluster.isRunning { try cluster.start() }
        return cluster
    }

    static func load(workDirectory: String) throws(MigrationError) -> EmbeddedPostgres {
        guard let data = FileManager.default.contents(atPath: stateFile(workDirectory)),
              let cluster = try? JSONDecoder().decode(EmbeddedPostgres.self, from: data) else {
            throw MigrationError(.targetMissing, "no --target given, no libpq environment, and no embedded cluster in \(workDirectory); run load first or give --target")
        }
        return cluster
    }

    var isRunning: Bool {
        (try? run("pg_ctl", ["-D", dataDirectory, "status"])) != nil
    }

    func start() throws(MigrationError) {
        let options = "-p \(port) -k \(socketDirectory) -c listen_addresses=''"
        try run("pg_ctl", ["-D", dataDirectory, "-o", options, "-l", "\(socketDirectory)/postgres.log", "-w", "-t", "60", "start"])
    }

    /// Restarts the cluster (fast shutdown: every session is cut), as an operator or a crash would.
    public func restart() throws(MigrationError) {
        stop()
        usleep(300_000)
        try start()
    }

    /// Stops the cluster (fast shutdown); errors are ignored: it may already be stopped.
    public func stop() {
        _ = try? run("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "stop"])
    }

    @discardableResult
    private func run(_ tool: String, _ arguments: [String]) throws(MigrationError) -> String {
        let executable = "\(binDirectory)/\(tool)"
        let result = runAsPostgresUser
            ? try CommandRunner.run(CommandRunner.which("runuser") ?? "/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
            : try CommandRunner.run(executable, arguments)
        guard result.status == 0 else {
            let tail = result.output.split(whereSeparator: \.isNewline).suffix(3).joined(separator: " | ")
            throw MigrationError(.embeddedFailed, "embedded PostgreSQL: \(tool) failed: \(tail)")
        }
        return result.output
    }

    /// PostgreSQL's server programs: `initdb` on PATH, else the newest /usr/lib/postgresql/N/bin.
    public static func findBinDirectory() throws(MigrationError) -> String {
        if let initdb = CommandRunner.which("initdb") {
            return URL(fileURLWithPath: initdb).resolvingSymlinksInPath().deletingLastPathComponent().path
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for version in versions.reversed() where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        throw MigrationError(.embeddedNoPostgres, "no --target given and no PostgreSQL server installed for the embedded default; install it (apt-get install postgresql) or give --target")
    }

    /// A directory for the cluster that the `postgres` user can reach, with a socket path short
    /// enough for Unix sockets: the work directory when possible, else one under /tmp.
    static func clusterBase(workDirectory: String, asPostgres: Bool) throws(MigrationError) -> String {
        let absolute = URL(fileURLWithPath: workDirectory).standardizedFileURL.path
        var base = "\(absolute)/postgres"
        if base.utf8.count > 80 || (asPostgres && !reachableByOthers(absolute)) {
            let tag = String(absolute.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 }, radix: 36)
            base = "/tmp/mlm-migrate-pg-\(tag)"
        }
        do {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw MigrationError(.workdirUnwritable, "cannot create \(base) for the embedded cluster")
        }
        if asPostgres {
            let chown = try CommandRunner.run(CommandRunner.which("chown") ?? "/bin/chown", ["-R", "postgres:postgres", base])
            guard chown.status == 0 else {
                throw MigrationError(.embeddedFailed, "cannot give \(base) to the postgres user (is the postgres user missing? install postgresql)")
            }
        }
        return base
    }

    /// Whether every directory on the way to `path` lets other users pass (mode o+x).
    private static func reachableByOthers(_ path: String) -> Bool {
        var current = path
        while current != "/" && !current.isEmpty {
            var info = stat()
            if stat(current, &info) == 0 && info.st_mode & 0o001 == 0 { return false }
            current = (current as NSString).deletingLastPathComponent
        }
        return true
    }

    /// A TCP port nothing listens on now (the cluster itself listens only on its socket).
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        guard bound else { return 55432 }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
