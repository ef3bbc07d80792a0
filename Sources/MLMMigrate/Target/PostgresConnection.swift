import CLibPQ
import Glibc
public import Logging

/// A libpq connection, owned by one caller at a time (libpq handles are not thread-safe).
///
/// The connection string is a libpq URI or `key=value` list; an empty one lets libpq use its
/// environment (`PGHOST`, `PGDATABASE`, `PGPASSFILE`, `PGSSLMODE`...). Errors carry libpq's
/// message, which names hosts and users but never data values; every message passes through
/// ``ConnInfoRedactor`` first, as libpq echoes parts of a malformed connection string.
/// Server notices and warnings go to `logger` at debug level, never to stderr.
public final class PostgresConnection {
    let conn: OpaquePointer
    private let notices: NoticeSink

    public init(_ conninfo: String, logger: Logger = Logger(label: "mlm-migrate.postgres")) throws(MigrationError) {
        guard let conn = PQconnectdb(conninfo) else {
            throw MigrationError(.targetUnreachable, "cannot allocate a libpq connection")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = ConnInfoRedactor.redact(Self.firstLine(String(cString: PQerrorMessage(conn))), conninfo: conninfo)
            PQfinish(conn)
            let lower = message.lowercased()
            if lower.contains("password authentication failed") || lower.contains("no password supplied") || lower.contains("authentication failed") {
                throw MigrationError(.targetAuthFailed, "target database refused the credentials: \(message)")
            }
            if lower.contains("does not exist") {
                throw MigrationError(.targetNoDatabase, "target database does not exist: \(message)")
            }
            throw MigrationError(.targetUnreachable, "cannot connect to the target database: \(message)")
        }
        self.conn = conn
        notices = NoticeSink(logger: logger, secrets: ConnInfoRedactor.passwords(in: conninfo))
        PQsetNoticeProcessor(conn, { sink, message in
            guard let sink, let message else { return }
            Unmanaged<NoticeSink>.fromOpaque(sink).takeUnretainedValue().receive(String(cString: message))
        }, Unmanaged.passUnretained(notices).toOpaque())
        try execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'; SET extra_float_digits = 3")
    }

    deinit { PQfinish(conn) }

    /// This connection's parameters as libpq environment variables (`PGHOST`, `PGPORT`,
    /// `PGDATABASE`, `PGUSER`, `PGPASSWORD`, `PGSSLMODE`...), for `pg_dump` and `pg_restore`:
    /// passed in the child's environment, never on its command line, where other users could
    /// read a password.
    public var libpqEnvironment: [String: String] {
        let names: [String: String] = [
            "host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "dbname": "PGDATABASE", "user": "PGUSER",
            "password": "PGPASSWORD", "passfile": "PGPASSFILE", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
            "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT",
            "options": "PGOPTIONS", "target_session_attrs": "PGTARGETSESSIONATTRS", "channel_binding": "PGCHANNELBINDING",
        ]
        var environment: [String: String] = [:]
        for (keyword, value) in effectiveOptions {
            if let name = names[keyword] { environment[name] = value }
        }
        return environment
    }

    /// The options this connection uses, as libpq resolved them (given, from `PG*`, from a
    /// service file, or defaults): keyword to value, unset ones left out.
    public var effectiveOptions: [String: String] {
        guard let options = PQconninfo(conn) else { return [:] }
        defer { PQconninfoFree(options) }
        return Self.options(options)
    }

    /// The keyword/value pairs of a libpq option array, unset ones left out.
    static func options(_ options: UnsafeMutablePointer<PQconninfoOption>) -> [String: String] {
        var result: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { result[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return result
    }

    /// How the connection travels, for the run report: the negotiated TLS protocol and cipher
    /// (`TLSv1.3 TLS_AES_256_GCM_SHA384`), `local socket`, or `TCP without TLS`.
    public var transport: String {
        if PQsslInUse(conn) == 1 {
            let protocolName = PQsslAttribute(conn, "protocol").map { String(cString: $0) } ?? "TLS"
            let cipher = PQsslAttribute(conn, "cipher").map { String(cString: $0) } ?? "unknown cipher"
            return "\(protocolName) \(cipher)"
        }
        let host = PQhost(conn).map { String(cString: $0) } ?? ""
        return TransportPolicy.isSocket(host) ? "local socket" : "TCP without TLS"
    }

    /// Whether the connection runs over TLS.
    public var usesTLS: Bool { PQsslInUse(conn) == 1 }

    /// Where the connection went, for messages: `host:port/dbname` (no user or password).
    public var endpoint: String {
        let host = PQhost(conn).map { String(cString: $0) } ?? "?"
        let port = PQport(conn).map { String(cString: $0) } ?? "?"
        let db = PQdb(conn).map { String(cString: $0) } ?? "?"
        return "\(host):\(port)/\(db)"
    }

    static func firstLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmingWhitespace() ?? "unknown error"
    }

    private func error(_ result: OpaquePointer?, _ what: String) -> MigrationError {
        let raw = result.flatMap { PQresultErrorMessage($0) }.map { String(cString: $0) } ?? String(cString: PQerrorMessage(conn))
        let message = ConnInfoRedactor.redact(raw, secrets: notices.secrets)
        let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) } ?? ""
        if PQstatus(conn) != CONNECTION_OK {
            return MigrationError(.targetConnectionLost, "lost the target database during \(what): \(Self.firstLine(message))")
        }
        return MigrationError(.targetSQLFailed, "\(what) failed [SQLSTATE \(state)]: \(Self.firstLine(message))", sqlState: state)
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func inTransaction<T>(_ body: () throws(MigrationError) -> T) throws(MigrationError) -> T {
        try execute("BEGIN")
        do throws(MigrationError) {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Opens a load batch's transaction: its rows take `run_id` and `batch_no` from these
    /// settings (column defaults), so every row a batch writes names it. The caller commits
    /// after recording the batch manifest, or rolls back.
    public func beginBatch(runID: Int, batchNo: Int) throws(MigrationError) {
        try execute(
            "BEGIN; SET LOCAL mlm_migration.run_id = '\(runID)'; SET LOCAL mlm_migration.batch_no = '\(batchNo)'",
            what: "starting batch \(batchNo)"
        )
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String, what: String? = nil) throws(MigrationError) {
        let result = PQexec(conn, sql)
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            throw error(result, what ?? "statement")
        }
    }

    /// Runs a parameterised query (text parameters, `$1`...) and returns every row as text.
    /// Parameters are sent separately from the SQL, never spliced into it.
    public func query(_ sql: String, _ parameters: [String?] = [], what: String? = nil) throws(MigrationError) -> [[String?]] {
        var cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.flatMap { strdup($0) } }
        defer { cStrings.forEach { free($0) } }
        let result = cStrings.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { params in
                PQexecParams(conn, sql, Int32(parameters.count), nil, params.baseAddress, nil, nil, 0)
            }
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
            throw error(result, what ?? "query")
        }
        var rows: [[String?]] = []
        for row in 0..<PQntuples(result) {
            rows.append((0..<PQnfields(result)).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            })
        }
        return rows
    }

    /// The single value of a one-row, one-column query.
    public func scalar(_ sql: String, _ parameters: [String?] = [], what: String? = nil) throws(MigrationError) -> String? {
        try query(sql, parameters, what: what).first?.first ?? nil
    }

    /// Runs `COPY ... FROM STDIN` and feeds it with `produce`, which calls `send` with chunks
    /// of COPY data until it returns. Returns the number of rows PostgreSQL reports.
    @discardableResult
    public func copyIn(_ sql: String, what: String, produce: (_ send: (UnsafeRawBufferPointer) throws(MigrationError) -> Void) throws(MigrationError) -> Void) throws(MigrationError) -> Int {
        let start = PQexec(conn, sql)
        let status = PQresultStatus(start)
        guard status == PGRES_COPY_IN else {
            defer { PQclear(start) }
            throw error(start, what)
        }
        PQclear(start)
        var sendError: MigrationError?
        do {
            try produce { (bytes: UnsafeRawBufferPointer) throws(MigrationError) in
                guard let base = bytes.baseAddress, bytes.count > 0 else { return }
                if PQputCopyData(conn, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count)) != 1 {
                    throw error(nil, what)
                }
            }
        } catch {
            sendError = error
        }
        let endStatus = PQputCopyEnd(conn, sendError == nil ? nil : "mlm-migrate aborted the copy")
        var copyError: MigrationError? = sendError
        var rows = 0
        while let result = PQgetResult(conn) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, copyError == nil {
                copyError = error(result, what)
            } else if let tuples = PQcmdTuples(result) {
                rows = Int(String(cString: tuples)) ?? rows
            }
            PQclear(result)
        }
        if let copyError { throw copyError }
        if endStatus != 1 { throw error(nil, what) }
        return rows
    }

    /// Runs `COPY ... FROM STDIN` with `data` as the whole input (for small inputs).
    @discardableResult
    public func copyIn(_ sql: String, what: String, data: [UInt8]) throws(MigrationError) -> Int {
        try copyIn(sql, what: what) { send throws(MigrationError) in
            var failure: MigrationError?
            data.withUnsafeBytes { bytes in
                do throws(MigrationError) { try send(bytes) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }

    /// Runs `COPY ... TO STDOUT` and hands each row's bytes (newline included) to `consume`.
    /// When `consume` throws, the rest of the stream is read and dropped (so the connection
    /// stays usable), then the error is rethrown.
    public func copyOut(_ sql: String, what: String, consume: (UnsafeRawBufferPointer) throws(MigrationError) -> Void) throws(MigrationError) {
        let start = PQexec(conn, sql)
        guard PQresultStatus(start) == PGRES_COPY_OUT else {
            defer { PQclear(start) }
            throw error(start, what)
        }
        PQclear(start)
        var consumeError: MigrationError?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(conn, &buffer, 0)
            if length > 0, let buffer {
                if consumeError == nil {
                    do throws(MigrationError) {
                        try consume(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                    } catch {
                        consumeError = error
                    }
                }
                PQfreemem(buffer)
            } else {
                break
            }
        }
        var copyError: MigrationError?
        while let result = PQgetResult(conn) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, copyError == nil { copyError = error(result, what) }
            PQclear(result)
        }
        if let copyError { throw copyError }
        if let consumeError { throw consumeError }
    }
}

/// Receives a connection's server notices (`NOTICE: schema ... already exists, skipping`,
/// `WARNING: there is no transaction in progress`) in place of libpq's default, which prints
/// them on stderr: each goes to the logger at debug level, redacted.
final class NoticeSink {
    let logger: Logger
    /// The connection's passwords, masked wherever a message repeats one.
    let secrets: [String]

    init(logger: Logger, secrets: [String]) {
        self.logger = logger
        self.secrets = secrets
    }

    func receive(_ message: String) {
        let text = ConnInfoRedactor.redact(message.trimmingWhitespace(), secrets: secrets)
        logger.debug("server notice", metadata: ["message": "\(text)"])
    }
}
