import Foundation

/// The parallel run's report: `parallel-run-<period>.json` for tools (the summary, every
/// difference with its explanation) and `.md` for people (totals per bonus type in money, then
/// every difference, migration-caused ones apart). Member legacy ids and figures only, no PII.
public enum ParallelRunReport {
    public static func write(_ summary: ParallelRunSummary, to directory: String) throws(MigrationError) -> (json: String, markdown: String) {
        let base = "\(directory)/parallel-run-\(summary.period.filter { $0.isLetter || $0.isNumber || $0 == "-" })"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json: Data
        do {
            json = try encoder.encode(summary)
        } catch {
            throw MigrationError(.internalUnexpected, "cannot encode \(base).json")
        }
        try AtomicFile.write(Array(json), to: base + ".json")
        try AtomicFile.write(markdown(summary), to: base + ".md")
        return (base + ".json", base + ".md")
    }

    static func markdown(_ summary: ParallelRunSummary) -> String {
        func money(_ minor: String) -> String { MoneyText.format(minor, currency: summary.currency) }
        var out = "# Parallel run, period \(summary.period)\n\n"
        out += summary.matches
            ? "**Verdict: every payout and carry-forward matches.**\n\n"
            : "**Verdict: \(summary.differences.count) difference\(summary.differences.count == 1 ? "" : "s"). Do not switch over until each is resolved.**\n\n"
        out += "Run \(summary.runID), parallel run \(summary.parallelRunID), plan currency \(summary.currency).\n\n"
        out += "| bonus | legacy paid | recomputed | members | matched | mismatched |\n|---|---:|---:|---:|---:|---:|\n"
        for bonus in summary.bonuses {
            out += "| \(bonus.bonusType) | \(money(bonus.legacyMinor)) | \(money(bonus.recomputedMinor)) | \(bonus.members) | \(bonus.matched) | \(bonus.mismatched) |\n"
        }
        if !summary.notRecomputed.isEmpty {
            out += "\nLegacy payouts of bonus types the plan does not compute (listed, not compared):\n\n"
            for (key, total) in summary.notRecomputed.sorted(by: { $0.key < $1.key }) {
                // Keyed "bonus_type CURRENCY" by the parallel run.
                let parts = key.split(separator: " ")
                let currency = parts.count == 2 ? String(parts[1]) : summary.currency
                out += "- \(parts.first.map(String.init) ?? key): \(MoneyText.format(total, currency: currency))\n"
            }
        }
        for (title, classification) in [("Legacy figures that differ", "legacy_figure"), ("Differences migration explains", "migration")] {
            let rows = summary.differences.filter { $0.classification == classification }
            guard !rows.isEmpty else { continue }
            out += "\n## \(title) (\(rows.count))\n\n| member | bonus | legacy | recomputed | difference |\n|---|---|---:|---:|---:|\n"
            for row in rows {
                let isCarry = row.bonusType.hasPrefix("carry:")
                func figure(_ value: Int64?) -> String {
                    value.map { isCarry ? volume(String($0), scale: summary.volumeScale) + " BV" : money(String($0)) } ?? "-"
                }
                out += "| \(row.legacyID) | \(row.bonusType) | \(figure(row.legacyMinor)) | \(figure(row.recomputedMinor)) | \(figure(row.differenceMinor)) |\n"
            }
        }
        out += "\nEach difference's explanation (leg volumes, pairs, cap, qualification, level paths, rounding) is in the JSON report and in `mlm_migration.parallel_run`.\n"
        return out
    }

    /// A volume scaled at the plan's `volume_scale`, grouped (`123456` at 2 is `1,234.56`).
    static func volume(_ scaled: String, scale: Int) -> String {
        MoneyText.decimal(scaled, exponent: scale) ?? scaled
    }
}
