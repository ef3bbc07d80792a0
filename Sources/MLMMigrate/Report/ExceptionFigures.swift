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

    /// No exception yet: ``count(_:decision:)`` adds them as the register streams.
    public init(runID: Int, file: String = ExceptionsCSV.fileName) {
        self.runID = runID
        self.file = file
        kinds = ExceptionKind.allCases.map { Kind(kind: $0.rawValue, total: 0, open: 0, decided: 0, byDecision: [:]) }
        open = 0
        decided = 0
    }

    /// Every exception counted.
    public var total: Int { open + decided }

    /// Counts one exception, open or covered by `decision`.
    public mutating func count(_ entry: ExceptionEntry, decision: RecordedDecision?) {
        let index = ExceptionKind.allCases.firstIndex(of: entry.kind) ?? 0
        kinds[index].total += 1
        if let decision {
            kinds[index].decided += 1
            kinds[index].byDecision[decision.decision.rawValue, default: 0] += 1
            decided += 1
        } else {
            kinds[index].open += 1
            open += 1
        }
    }
}
