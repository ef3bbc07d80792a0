/// An error that stops a run: no source, bad mapping, lost database, a policy set to `fail`.
///
/// Descriptions name files, lines, records, columns and reason codes, never a field value:
/// values may be PII. A row-level problem is not a `MigrationError`; it is a ``Quarantine`` entry.
public struct MigrationError: Error, CustomStringConvertible, Equatable {
    /// A stable, dotted code for scripts and runbooks (`source.missing`, `target.auth_failed`).
    public var code: String
    /// One line for the operator.
    public var message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code)]" }
}

extension MigrationError {
    /// Runs `body`, whose only errors are MigrationErrors, through APIs that rethrow untyped
    /// errors (`withUnsafeBytes`); anything else becomes `code` with `context`.
    public static func typed<R>(_ code: String = "internal.unexpected", _ context: String = "", _ body: () throws -> R) throws(MigrationError) -> R {
        do {
            return try body()
        } catch let error as MigrationError {
            throw error
        } catch {
            throw MigrationError(code, "\(context)\(error)")
        }
    }
}
