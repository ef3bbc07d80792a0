/// One reconciliation check: what it proves, the figure expected, the figure found.
public struct Check: Codable, Sendable, Equatable {
    /// Stable dotted name (`genealogy.orphan_sponsors`), cited by runbooks.
    public var name: String
    public var description: String
    public var expected: String
    public var actual: String
    public var passed: Bool

    public init(name: String, description: String, expected: String, actual: String) {
        self.name = name
        self.description = description
        self.expected = expected
        self.actual = actual
        self.passed = expected == actual
    }

    /// A check whose figures are not compared as equal text (a bound, a share).
    public init(name: String, description: String, expected: String, actual: String, passed: Bool) {
        self.name = name
        self.description = description
        self.expected = expected
        self.actual = actual
        self.passed = passed
    }
}
