import Foundation

/// The cutover window estimate of a rehearsal: each timed stage's measured rows per second on
/// the rehearsal's export, applied to the production export's rows, summed, and multiplied by
/// a stated safety margin. Linear scaling also scales the fixed costs of a small rehearsal
/// (process start, schema creation), which errs on the long side.
public struct CutoverWindow: Codable, Sendable, Equatable {
    public struct Stage: Codable, Sendable, Equatable {
        public var stage: String
        public var measuredSeconds: Double
        public var measuredRows: Int
        public var rowsPerSecond: Double
        public var estimatedSeconds: Double
    }

    /// Where the production figures come from (`--production-rows`, `--production-source`, or
    /// the rehearsal's own export when neither is given).
    public var basis: String
    /// Rows per entity of the rehearsal's export, and of production.
    public var rehearsalRows: [String: Int]
    public var productionRows: [String: Int]
    /// Entities production gave no figure for, taken as rehearsed.
    public var assumedAsRehearsed: [String]
    /// Production rows over rehearsal rows, all entities together.
    public var scale: Double
    public var stages: [Stage]
    public var estimatedSeconds: Double
    /// The factor the sum is multiplied by to book the window.
    public var margin: Double
    public var withMarginSeconds: Double

    public static let defaultMargin = 1.5

    /// `seconds` as `h:mm:ss` or `m:ss`.
    public static func clock(_ seconds: Double) -> String { LoadProgress.clock(seconds) }

    /// Scales `timings` (stage, seconds, rows processed) from `rehearsal` rows to `production`
    /// rows per entity; an entity production does not name is taken as rehearsed.
    public static func estimate(
        timings: [(stage: String, seconds: Double, rows: Int)], rehearsal: [String: Int], production: [String: Int],
        basis: String, margin: Double = defaultMargin
    ) -> CutoverWindow {
        var productionRows = rehearsal
        for (entity, rows) in production { productionRows[entity] = rows }
        let assumed = rehearsal.keys.filter { production[$0] == nil }.sorted()
        let rehearsed = max(rehearsal.values.reduce(0, +), 1)
        let scale = Double(productionRows.values.reduce(0, +)) / Double(rehearsed)
        let stages = timings.map { timing in
            let rate = Double(timing.rows) / max(timing.seconds, 0.000_001)
            return Stage(
                stage: timing.stage, measuredSeconds: timing.seconds, measuredRows: timing.rows,
                rowsPerSecond: rate, estimatedSeconds: timing.seconds * scale
            )
        }
        let total = stages.map(\.estimatedSeconds).reduce(0, +)
        return CutoverWindow(
            basis: basis, rehearsalRows: rehearsal, productionRows: productionRows, assumedAsRehearsed: assumed,
            scale: scale, stages: stages, estimatedSeconds: total, margin: margin, withMarginSeconds: total * margin
        )
    }

    /// Parses `--production-rows members=1200000,wallet_entries=48000000`.
    public static func parseRows(_ text: String) throws(MigrationError) -> [String: Int] {
        var rows: [String: Int] = [:]
        for (index, pair) in text.split(separator: ",").enumerated() {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let digits = parts.count == 2 ? parts[1].replacingOccurrences(of: "_", with: "") : ""
            guard parts.count == 2, !parts[0].isEmpty, let count = Int(digits), count >= 0 else {
                throw MigrationError(
                    .rehearseBadOption, "--production-rows: item \(index + 1) is not entity=count (e.g. members=1200000)"
                )
            }
            rows[parts[0]] = count
        }
        guard !rows.isEmpty else { throw MigrationError(.rehearseBadOption, "--production-rows names no entity") }
        return rows
    }
}

/// The window estimate's part of `rehearsal.md`.
enum CutoverWindowWriter {
    static func markdown(_ window: CutoverWindow) -> [String] {
        var lines = ["", "## Cutover window estimate", ""]
        lines.append(
            "Derived from: \(window.basis). Each stage's time on the rehearsal's export (its rows per second), "
                + "scaled by production rows over rehearsal rows (all entities together: "
                + "\(String(format: "%.2f", window.scale))x), then multiplied by a safety margin of "
                + "\(String(format: "%.1f", window.margin))x. Book at least the total with margin."
        )
        lines.append("")
        lines.append("| entity | rehearsal rows | production rows |")
        lines.append("|---|---:|---:|")
        for entity in window.productionRows.keys.sorted() {
            let assumed = window.assumedAsRehearsed.contains(entity) ? " (as rehearsed)" : ""
            let rehearsed = window.rehearsalRows[entity].map(ProgressLine.grouped) ?? "0"
            lines.append("| \(entity) | \(rehearsed) | \(ProgressLine.grouped(window.productionRows[entity] ?? 0))\(assumed) |")
        }
        lines.append("")
        lines.append("| stage | measured | rows | rows/s | estimated for production |")
        lines.append("|---|---:|---:|---:|---:|")
        for stage in window.stages {
            let rate = ProgressLine.grouped(Int(stage.rowsPerSecond.rounded()))
            lines.append(
                "| \(stage.stage) | \(RehearsalReportWriter.seconds(stage.measuredSeconds)) | "
                    + "\(ProgressLine.grouped(stage.measuredRows)) | \(rate) | \(LoadProgress.clock(stage.estimatedSeconds)) |"
            )
        }
        lines.append("| **total** | | | | **\(LoadProgress.clock(window.estimatedSeconds))** |")
        lines.append(
            "| **with margin \(String(format: "%.1f", window.margin))x** | | | | **\(LoadProgress.clock(window.withMarginSeconds))** |"
        )
        return lines
    }
}
