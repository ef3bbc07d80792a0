public import Foundation

/// What `mlm-migrate rehearse` found: each step's verdict, time and rate, the go/no-go, and the
/// cutover window estimate. Holds counts, codes, timings and paths only: never a source value.
public struct RehearsalReport: Codable, Sendable {
    /// One step of the rehearsal.
    public struct Step: Codable, Sendable {
        /// `first_load`, `kill_and_resume`, `parallel_run`, `delta`, `delta_rollback`,
        /// `delta_again`, `snapshot_restore`.
        public var name: String
        public var title: String
        /// `pass`, `fail` or `skipped` (an earlier step failed, or it does not apply).
        public var verdict: String
        /// Why it failed or was skipped; nil when it passed.
        public var reason: String?
        public var seconds: Double
        /// Rows the step processed (its rate's numerator); nil when it processes none.
        public var rows: Int?
        public var rowsPerSecond: Double?
        /// Facts worth keeping: the batch the load was killed after, the seed, report paths.
        public var facts: [String] = []
        /// Per stage of a load (extract, cleanse, transform, load, reconcile...).
        public var stages: [StageTiming] = []
    }

    /// One stage of a load, timed.
    public struct StageTiming: Codable, Sendable {
        public var stage: String
        public var seconds: Double
        public var rows: Int
        public var rowsPerSecond: Double
    }

    /// `go` when every step passed, else `no-go`.
    public var verdict: String
    /// The failed steps with their reasons (empty on go).
    public var reasons: [String]
    public var generatedAt: String
    public var toolVersion: String
    public var vendor: String
    public var mappingDigest: String
    public var source: String
    public var later: String?
    /// The target's endpoint (never a password), and whether it was a disposable one.
    public var target: String
    public var disposableTarget: Bool
    /// The seed of the random kill point (`--seed` repeats it).
    public var seed: UInt64
    public var batchSize: Int
    public var steps: [Step]
    public var window: CutoverWindow?

    public var isGo: Bool { verdict == "go" }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// Writes `rehearsal.json` and `rehearsal.md` into the rehearsal's work directory, in the
/// style of the run report (ReportWriter): a heading with the verdict, a facts table, then
/// one table per topic.
public enum RehearsalReportWriter {
    public static func write(_ report: RehearsalReport, to directory: String) throws(MigrationError) -> (json: String, markdown: String) {
        let jsonPath = "\(directory)/rehearsal.json"
        let markdownPath = "\(directory)/rehearsal.md"
        do {
            try report.json().write(to: URL(fileURLWithPath: jsonPath))
            try Data(markdown(report).utf8).write(to: URL(fileURLWithPath: markdownPath))
        } catch {
            throw MigrationError(.workdirUnwritable, "cannot write the rehearsal report into \(directory)")
        }
        return (jsonPath, markdownPath)
    }

    public static func markdown(_ report: RehearsalReport) -> String {
        var lines: [String] = []
        lines.append("# Rehearsal report: \(report.isGo ? "GO" : "NO-GO")")
        lines.append("")
        lines.append("| | |")
        lines.append("|---|---|")
        lines.append("| vendor | \(report.vendor) |")
        lines.append("| export | \(report.source) |")
        if let later = report.later { lines.append("| later export | \(later) |") }
        lines.append("| target | \(report.target)\(report.disposableTarget ? " (disposable, stopped at the end)" : "") |")
        lines.append("| generated | \(report.generatedAt) |")
        lines.append("| mlm-migrate | \(report.toolVersion) |")
        lines.append("| mapping SHA-256 | `\(report.mappingDigest)` |")
        lines.append("| batch size | \(report.batchSize) |")
        lines.append("| seed | \(report.seed) (`--seed \(report.seed)` repeats the kill point) |")
        if !report.reasons.isEmpty {
            lines.append("")
            lines.append("## Why no-go")
            lines.append("")
            for reason in report.reasons { lines.append("- \(reason)") }
        }
        lines.append("")
        lines.append("## Steps")
        lines.append("")
        lines.append("| step | verdict | time | rows | rows/s | reason |")
        lines.append("|---|---|---:|---:|---:|---|")
        for step in report.steps {
            let verdict = step.verdict == "fail" ? "**FAIL**" : step.verdict
            let rows = step.rows.map(ProgressLine.grouped) ?? ""
            let rate = step.rowsPerSecond.map { ProgressLine.grouped(Int($0.rounded())) } ?? ""
            lines.append("| \(step.title) | \(verdict) | \(seconds(step.seconds)) | \(rows) | \(rate) | \(step.reason ?? "") |")
        }
        for step in report.steps where !step.facts.isEmpty || !step.stages.isEmpty {
            lines.append("")
            lines.append("### \(step.title)")
            if !step.stages.isEmpty {
                lines.append("")
                lines.append("| stage | time | rows | rows/s |")
                lines.append("|---|---:|---:|---:|")
                for stage in step.stages {
                    let rate = ProgressLine.grouped(Int(stage.rowsPerSecond.rounded()))
                    lines.append("| \(stage.stage) | \(seconds(stage.seconds)) | \(ProgressLine.grouped(stage.rows)) | \(rate) |")
                }
            }
            if !step.facts.isEmpty {
                lines.append("")
                for fact in step.facts { lines.append("- \(fact)") }
            }
        }
        if let window = report.window { lines += CutoverWindowWriter.markdown(window) }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    static func seconds(_ value: Double) -> String { String(format: "%.2f s", value) }
}
