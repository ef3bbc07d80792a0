/// An error that stops a run: no source, bad mapping, lost database, a policy set to `fail`.
///
/// Descriptions name files, lines, records, columns and reason codes, never a field value:
/// values may be PII. A row-level problem is not a `MigrationError`; it is a ``Quarantine`` entry.
public struct MigrationError: Error, CustomStringConvertible, Equatable {
    /// A stable, dotted code for scripts and runbooks (`source.missing`, `target.auth_failed`).
    public var code: String
    /// One line for the operator.
    public var message: String

    /// The PostgreSQL SQLSTATE, when the database reported the error.
    public var sqlState: String?

    public init(_ code: ErrorCode, _ message: String, sqlState: String? = nil) {
        self.code = code.rawValue
        self.message = message
        self.sqlState = sqlState
    }

    /// Worth retrying after a pause: the connection was lost, or the database asked for a retry
    /// (serialization failure, deadlock, shutdown or too many connections, connection exceptions).
    public var isTransient: Bool {
        if code == ErrorCode.targetConnectionLost.rawValue { return true }
        guard let state = sqlState else { return false }
        return ["40001", "40P01", "57P01", "57P02", "57P03", "53300"].contains(state) || state.hasPrefix("08")
    }

    public var description: String { "\(message) [\(code)]" }
}

extension MigrationError {
    /// Runs `body`, whose only errors are MigrationErrors, through APIs that rethrow untyped
    /// errors (`withUnsafeBytes`); anything else becomes `code` with `context`.
    public static func typed<R>(_ code: ErrorCode = .internalUnexpected, _ context: String = "", _ body: () throws -> R) throws(MigrationError) -> R {
        do {
            return try body()
        } catch let error as MigrationError {
            throw error
        } catch {
            throw MigrationError(code, "\(context)\(error)")
        }
    }
}
