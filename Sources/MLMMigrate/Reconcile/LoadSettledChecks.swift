/// The figures of reconcile's checks that only a load's end settles: whether its foreign keys
/// are back and validated, and the run digest it records. Read as each check is made; or, for
/// the checks a `run` gathers while its load still validates the keys (``Pipeline``), left open
/// (such a check fails until then) and read by ``settle(_:on:)`` once the load has finished.
public final class LoadSettledChecks: @unchecked Sendable {
    public typealias Read = (PostgresConnection) throws(MigrationError) -> String

    /// An open check's figure.
    public static let openFigure = "(read once the load has finished)"

    private let deferred: Bool
    /// The open checks, by name, and how to read each figure. Touched by one thread at a time.
    private var reads: [(name: String, read: Read)] = []

    /// `deferred`: leave the figures to ``settle(_:on:)``.
    public init(deferred: Bool = false) {
        self.deferred = deferred
    }

    /// The check `name` with the figure `read` gives on `connection` now, or an open one.
    public func check(
        name: String, description: String, expected: String, on connection: PostgresConnection, read: @escaping Read
    ) throws(MigrationError) -> Check {
        guard deferred else { return Check(name: name, description: description, expected: expected, actual: try read(connection)) }
        reads.append((name, read))
        return Check(name: name, description: description, expected: expected, actual: Self.openFigure)
    }

    /// Whether check `name` waits for ``settle(_:on:)``.
    public func isOpen(_ name: String) -> Bool {
        reads.contains { $0.name == name }
    }

    /// Reads each open check's figure on `connection` into `checks`.
    public func settle(_ checks: inout [Check], on connection: PostgresConnection) throws(MigrationError) {
        for (name, read) in reads {
            guard let index = checks.firstIndex(where: { $0.name == name }) else {
                throw MigrationError(.internalUnexpected, "reconcile lost its check \(name) before the load settled it")
            }
            let open = checks[index]
            checks[index] = Check(name: open.name, description: open.description, expected: open.expected, actual: try read(connection))
        }
        reads = []
    }
}
