/// The report's exceptions section: per kind, how many exceptions a person must decide on,
/// how many are still open and how many a recorded decision covers (`exceptions.csv` lists them).
///
/// Kept outside the report's `content`: decisions are people's, not the export's, so they do
/// not change the content digest.
public struct ExceptionFigures: Codable, Sendable, Equatable {
    /// One kind's counts; `decided` split by decision.
    public struct Kind: Codable, Sendable, Equatable {
        public var kind: String
        public var total: Int
        public var open: Int
        public var decided: Int
        public var byDecision: [String: Int]
    }

    public var runID: Int
    public var kinds: [Kind]
    public var open: Int
    public var decided: Int
    /// The register's file name beside the report.
    public var file: String

    public init(_ register: ExceptionRegister, file: String = ExceptionsCSV.fileName) {
        runID = register.runID
        self.file = file
        kinds = ExceptionKind.allCases.map { kind in
            let entries = register.entries.filter { $0.kind == kind }
            var byDecision: [String: Int] = [:]
            for entry in entries {
                if let decision = register.decision(for: entry) { byDecision[decision.decision.rawValue, default: 0] += 1 }
            }
            let decided = byDecision.values.reduce(0, +)
            return Kind(
                kind: kind.rawValue, total: entries.count, open: entries.count - decided, decided: decided, byDecision: byDecision
            )
        }
        decided = kinds.map(\.decided).reduce(0, +)
        open = kinds.map(\.open).reduce(0, +)
    }
}
