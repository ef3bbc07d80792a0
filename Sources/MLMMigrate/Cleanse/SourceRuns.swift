/// The source file of each row of a packed table, kept once per run of rows from one source
/// (an export has a few files, so this costs nothing a row).
struct SourceRuns: Sendable {
    private var runs: [(start: Int, source: String)] = []

    /// Records that row `row` (appended in order) came from `source`.
    mutating func append(_ source: String, row: Int) {
        if runs.last?.source != source { runs.append((row, source)) }
    }

    /// The source of row `row`.
    func source(of row: Int) -> String {
        var low = 0
        var high = runs.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if runs[middle].start <= row { low = middle } else { high = middle - 1 }
        }
        return runs.isEmpty ? "" : runs[low].source
    }
}
