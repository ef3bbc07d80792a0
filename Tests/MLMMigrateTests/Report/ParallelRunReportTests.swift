import Foundation
@testable import MLMMigrate
import Testing

/// The parallel run's report: the markdown people read before a switch-over.
@Suite struct ParallelRunReportTests {
    // MARK: Markdown

    static func summary(
        currency: String = "USD", volumeScale: Int = 2, bonuses: [ParallelRunSummary.BonusTotals] = [],
        notRecomputed: [String: String] = [:], differences: [ParallelRunDifference] = []
    ) -> ParallelRunSummary {
        ParallelRunSummary(
            parallelRunID: 2, runID: 4, period: "2026-11", currency: currency, volumeScale: volumeScale,
            bonuses: bonuses, notRecomputed: notRecomputed, differences: differences
        )
    }

    static func totals(_ type: String, _ legacy: String, _ recomputed: String, members: Int, matched: Int)
        -> ParallelRunSummary.BonusTotals {
        .init(
            bonusType: type, legacyMinor: legacy, recomputedMinor: recomputed, members: members,
            matched: matched, mismatched: members - matched
        )
    }

    static func difference(
        _ legacyID: String, _ bonus: String, legacy: Int64?, recomputed: Int64?, _ classification: String
    ) -> ParallelRunDifference {
        ParallelRunDifference(
            memberID: 1, legacyID: legacyID, bonusType: bonus, legacyMinor: legacy,
            recomputedMinor: recomputed, differenceMinor: (recomputed ?? 0) - (legacy ?? 0),
            classification: classification, explanation: "x"
        )
    }

    /// The markdown's `## ` sections by title (the text before the first is keyed "").
    static func sections(_ markdown: String) -> [String: String] {
        var out: [String: String] = [:]
        for part in markdown.components(separatedBy: "\n## ") {
            let title = part.hasPrefix("# ") ? "" : String(part.prefix { $0 != "\n" })
            out[title] = part
        }
        return out
    }

    @Test func writesTheMatchingVerdictAndTotalsInMoney() {
        let summary = Self.summary(bonuses: [
            Self.totals("binary", "150000", "150000", members: 3, matched: 3),
            Self.totals("unilevel", "1234", "1234", members: 2, matched: 2),
        ])
        // 150000 cents is 1,500.00 USD; 1234 cents is 12.34 USD.
        #expect(ParallelRunReport.markdown(summary) == """
            # Parallel run, period 2026-11

            **Verdict: every payout and carry-forward matches.**

            Run 4, parallel run 2, plan currency USD.

            | bonus | legacy paid | recomputed | members | matched | mismatched |
            |---|---:|---:|---:|---:|---:|
            | binary | 1,500.00 USD | 1,500.00 USD | 3 | 3 | 0 |
            | unilevel | 12.34 USD | 12.34 USD | 2 | 2 | 0 |

            Each difference's explanation (leg volumes, pairs, cap, qualification, level paths, rounding) \
            is in the JSON report and in `mlm_migration.parallel_run`.

            """)
    }

    static let threeDifferences = [
        difference("L7", "binary", legacy: 50_000, recomputed: 49_000, "legacy_figure"),
        difference("L9", "unilevel", legacy: 300, recomputed: nil, "migration"),
        difference("L7", "carry:left", legacy: 12_345, recomputed: 12_000, "legacy_figure"),
    ]

    @Test func countsTheDifferencesInTheVerdict() {
        let markdown = ParallelRunReport.markdown(Self.summary(differences: Self.threeDifferences))
        #expect(markdown.contains("**Verdict: 3 differences. Do not switch over until each is resolved.**\n"))
        #expect(!markdown.contains("matches"))
    }

    @Test func listsLegacyFigureAndMigrationDifferencesInSeparateSections() throws {
        let markdown = ParallelRunReport.markdown(Self.summary(differences: Self.threeDifferences))
        let sections = Self.sections(markdown)
        let legacy = try #require(sections["Legacy figures that differ (2)"])
        let migration = try #require(sections["Differences migration explains (1)"])
        // 50000 cents is 500.00; 49000 is 490.00; the difference, recomputed minus legacy, -10.00.
        #expect(legacy.contains("| L7 | binary | 500.00 USD | 490.00 USD | -10.00 USD |\n"))
        #expect(!legacy.contains("L9"))
        // L9's unilevel was not recomputed: shown as "-".
        #expect(migration.contains("| L9 | unilevel | 3.00 USD | - | -3.00 USD |\n"))
        #expect(!migration.contains("L7"))
        let legacyAt = try #require(markdown.range(of: "## Legacy figures"))
        let migrationAt = try #require(markdown.range(of: "## Differences migration explains"))
        #expect(legacyAt.lowerBound < migrationAt.lowerBound, "legacy figures come first")
    }

    @Test func leavesOutASectionWithNoDifferences() {
        let markdown = ParallelRunReport.markdown(Self.summary(differences: [Self.threeDifferences[1]]))
        #expect(!markdown.contains("## Legacy figures"))
        #expect(markdown.contains("## Differences migration explains (1)"))
    }

    @Test func showsCarryDifferencesInBVAtTheVolumeScale() throws {
        // At volume_scale 2: 12345 is 123.45 BV, 12000 is 120.00 BV, -345 is -3.45 BV.
        let two = ParallelRunReport.markdown(Self.summary(differences: Self.threeDifferences))
        #expect(two.contains("| L7 | carry:left | 123.45 BV | 120.00 BV | -3.45 BV |\n"))
        // At volume_scale 3 the same integers are 12.345, 12.000 and -0.345 BV, whatever the currency.
        let yen = Self.summary(currency: "JPY", volumeScale: 3, differences: Self.threeDifferences)
        let three = ParallelRunReport.markdown(yen)
        #expect(three.contains("| L7 | carry:left | 12.345 BV | 12.000 BV | -0.345 BV |\n"))
        // JPY has no decimals: the binary row's money is whole yen.
        #expect(three.contains("| L7 | binary | 50,000 JPY | 49,000 JPY | -1,000 JPY |\n"))
    }

    @Test func writesAmountsInTheCurrencysOwnDecimals() {
        // KWD has 3 decimals: 1234 fils is 1.234 KWD.
        let markdown = ParallelRunReport.markdown(Self.summary(
            currency: "KWD", bonuses: [Self.totals("binary", "1234", "1000", members: 1, matched: 0)]
        ))
        #expect(markdown.contains("| binary | 1.234 KWD | 1.000 KWD | 1 | 0 | 1 |\n"))
    }

    @Test func listsLegacyPayoutsThePlanDoesNotCompute() {
        let notRecomputed = ["matching USD": "700", "fast_start JPY": "5000"]
        let markdown = ParallelRunReport.markdown(Self.summary(notRecomputed: notRecomputed))
        #expect(markdown.contains("- fast_start: 5,000 JPY\n- matching: 7.00 USD\n"))
    }

    // MARK: Files

    @Test func writesJSONAndMarkdownNamedForThePeriod() throws {
        let directory = try TemporaryDirectory()
        let summary = Self.summary(differences: Self.threeDifferences)
        let paths = try ParallelRunReport.write(summary, to: directory.path)
        #expect(paths.json == "\(directory.path)/parallel-run-2026-11.json")
        #expect(paths.markdown == "\(directory.path)/parallel-run-2026-11.md")
        let json = try Data(contentsOf: URL(fileURLWithPath: paths.json))
        #expect(try JSONDecoder().decode(ParallelRunSummary.self, from: json) == summary)
        let markdown = try String(contentsOfFile: paths.markdown, encoding: .utf8)
        #expect(markdown == ParallelRunReport.markdown(summary))
    }

    @Test func keepsAPeriodNameFromLeavingTheReportDirectory() throws {
        let directory = try TemporaryDirectory()
        var summary = Self.summary()
        summary.period = "../2026/11"
        let paths = try ParallelRunReport.write(summary, to: directory.path)
        // Only letters, digits and "-" are kept: "../2026/11" becomes "202611".
        #expect(paths.json == "\(directory.path)/parallel-run-202611.json")
        #expect(FileManager.default.fileExists(atPath: paths.json))
    }
}
