import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import MLMMigrate
import Testing

/// `report.html`: escaped, self-contained, well-formed, deterministic, money in its currency.
@Suite struct ReportHTMLTests {
    /// A report with every chart: quarantine reasons, depth, three currencies, variances, timings.
    static func report(vendor: String = "vendor1", passed: Bool = true) throws -> MigrationReport {
        let json = """
            {"content": {"toolVersion": "1.0", "vendor": "v", "mappingDigest": "ab", "entities": [], "checks": [],
            "passed": true}, "contentDigest": "cd", "run": {"runID": 3, "generatedAt": "2026-12-03T10:00:00Z",
            "target": "host=/tmp/pg dbname=mlm", "source": "/data/export"}}
            """
        var report = try JSONDecoder().decode(MigrationReport.self, from: Data(json.utf8))
        report.content.vendor = vendor
        report.content.passed = passed
        report.content.entities = [MigrationReport.EntityFigures(
            entity: "members", extracted: 1_204, loaded: 1_200, quarantined: 4,
            quarantinedByReason: ["genealogy.orphan_sponsor": 3, "field.bad_email": 1], reattachedByReason: [:],
            sourceFiles: ["members.csv"], levels: 3, rowsDigest: "ef"
        )]
        report.content.checks = [
            Check(name: "members.balanced", description: "extracted = loaded + quarantined", expected: "1204", actual: "1204"),
            Check(name: "ledger.totals", description: "source = loaded + quarantined", expected: "1", actual: passed ? "1" : "2"),
        ]
        report.content.genealogy = .init(sourceLevels: [1, 40, 900, 263], sourceUnlinked: 4, loadedLevels: [1, 40, 897, 262])
        func currency(_ code: String, _ source: String, _ loaded: String, _ quarantined: String) -> LedgerFigures.Currency {
            .init(
                currency: code, sourceEntries: 10, sourceMinor: source, loadedEntries: 9, loadedMinor: loaded, quarantinedEntries: 1,
                quarantinedMinor: quarantined, balanced: true, exponent: CurrencyTable.exponent(of: code)
            )
        }
        func variance(_ id: String, _ code: String, legacy: String?, balance: String, difference: String?) -> LedgerFigures.Variance {
            .init(legacyID: id, memberID: 1, currency: code, legacyBalanceMinor: legacy, balanceMinor: balance,
                  differenceMinor: difference, exponent: CurrencyTable.exponent(of: code))
        }
        report.content.ledger = LedgerFigures(
            currencies: [
                currency("EUR", "18289655", "18289555", "100"), currency("JPY", "1250", "1250", "0"),
                currency("KWD", "-12500", "-12000", "-500"),
            ],
            unvaluedQuarantined: 0, snappedAmounts: 0, wallets: 12,
            variances: [
                variance("L7", "EUR", legacy: "1000", balance: "1500", difference: "500"),
                variance("L8", "JPY", legacy: nil, balance: "1250", difference: nil),
                variance("L9", "KWD", legacy: "250000", balance: "100000", difference: "-150000"),
            ],
            runDigest: "0f"
        )
        report.run.timings = [
            StageTiming(stage: "extract", milliseconds: 1_234), StageTiming(stage: "load", milliseconds: 56_789),
        ]
        return report
    }

    /// Parses `html` as XML; nil when it is well-formed, else the parser's error.
    static func xmlError(_ html: String) -> String? {
        let parser = XMLParser(data: Data(html.utf8))
        return parser.parse() ? nil : "\(parser.parserError.map { "\($0)" } ?? "unknown") at line \(parser.lineNumber)"
    }

    @Test func theTemplateEscapesEveryValue() {
        let template = ReportTemplate.html
        #expect(!template.contains("{{{"))
        #expect(!template.contains("{{&"))
    }

    @Test func writesAWellFormedPageAnXMLParserReads() throws {
        let html = try ReportWriter.html(try Self.report())
        #expect(Self.xmlError(html) == nil)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
    }

    @Test func escapesMarkupInReportValues() throws {
        let html = try ReportWriter.html(try Self.report(vendor: "<script>alert('x') & \"y\"</script>"))
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"))
        #expect(Self.xmlError(html) == nil)
    }

    @Test func referencesNothingOutsideThePage() throws {
        let html = try ReportWriter.html(try Self.report()).lowercased()
        for reference in ["http:", "https:", "//", "src=", "href=", "@import", "url(", "<script", "<link", "<img", "<iframe"] {
            #expect(!html.contains(reference), "report.html contains \(reference)")
        }
    }

    @Test func putsTheVerdictBeforeEverythingElse() throws {
        let passed = try ReportWriter.html(try Self.report())
        let body = try #require(passed.range(of: "<main>")).upperBound
        let verdict = try #require(passed.range(of: "Migration report: PASSED", range: body..<passed.endIndex))
        let facts = try #require(passed.range(of: "<dl class=\"facts\">"))
        #expect(verdict.lowerBound < facts.lowerBound)
        #expect(passed.contains("class=\"verdict pass\""))
        #expect(passed.contains("All 2 checks passed."))
        let failed = try ReportWriter.html(try Self.report(passed: false))
        #expect(failed.contains("class=\"verdict fail\""))
        #expect(failed.contains("1 of 2 checks failed"))
        #expect(failed.contains("<h2>Failed checks</h2>"))
        #expect(Self.xmlError(failed) == nil)
        #expect(!passed.contains("Failed checks"))
    }

    @Test func drawsEveryChartAsInlineSVG() throws {
        let html = try ReportWriter.html(try Self.report())
        for title in [
            "Quarantined rows by reason", "Sponsor-tree depth: export and loaded", "Ledger totals per currency",
            "Balance variances by size", "Stage timings",
        ] {
            #expect(html.contains("<svg viewBox=\"0 0 360 ") && html.contains("<title>\(title)</title>"), "\(title)")
        }
        #expect(html.contains("<title>level 3, export: 900</title>"))
        #expect(html.contains("<title>level 3, loaded: 897</title>"))
        #expect(html.contains("4 rows of the export reach no root"))
        #expect(html.contains(">56.789 s</text>"))
    }

    @Test func showsMoneyInItsCurrencyInTablesAndCharts() throws {
        let html = try ReportWriter.html(try Self.report())
        #expect(html.contains("<td class=\"num\">182,896.55 EUR</td>"))
        #expect(html.contains("<td class=\"num\">1,250 JPY</td>"))
        #expect(html.contains("<td class=\"num\">-12.500 KWD</td>"))
        #expect(html.contains(">-0.500 KWD</text>"))
        #expect(html.contains("<td class=\"num\">-150.000 KWD</td>"))
        #expect(html.contains("<td class=\"\">none</td>"))
    }

    @Test func givesTheSameBytesForTheSameReport() throws {
        let report = try Self.report()
        let first = try ReportWriter.html(report)
        let decoded = try JSONDecoder().decode(MigrationReport.self, from: report.json())
        #expect(try ReportWriter.html(decoded) == first)
    }

    @Test func writesTheHTMLBesideTheJSONAndMarkdown() throws {
        let directory = try TemporaryDirectory()
        let paths = try ReportWriter.write(try Self.report(), to: directory.path)
        #expect(paths.html == "\(directory.path)/report.html")
        let html = try String(contentsOfFile: paths.html, encoding: .utf8)
        #expect(html == (try ReportWriter.html(try Self.report())))
        let markdown = try String(contentsOfFile: paths.markdown, encoding: .utf8)
        #expect(markdown.contains("| EUR | 10 | 182,896.55 EUR | 9 | 182,895.55 EUR | 1 | 1.00 EUR | yes |"))
        #expect(markdown.contains("| L9 | KWD | 250.000 KWD | 100.000 KWD | -150.000 KWD |"))
        #expect(markdown.contains("| L8 | JPY | none | 1,250 JPY | n/a |"))
    }

    @Test func putsTheCurrencyExponentBesideMinorUnitsInJSON() throws {
        let json = try #require(try JSONSerialization.jsonObject(with: try Self.report().json()) as? [String: Any])
        let ledger = (json["content"] as? [String: Any])?["ledger"] as? [String: Any]
        let currencies = try #require(ledger?["currencies"] as? [[String: Any]])
        #expect(currencies.map { $0["exponent"] as? Int } == [2, 0, 3])
        #expect(currencies.first?["sourceMinor"] as? String == "18289655")
        let variances = try #require(ledger?["variances"] as? [[String: Any]])
        #expect(variances.map { $0["exponent"] as? Int } == [2, 0, 3])
    }

    @Test func sortsVariancesIntoBucketsByTheirCurrencysMajorUnit() throws {
        let ledger = try #require(try Self.report().content.ledger)
        let buckets = ReportChart.varianceBuckets(ledger.variances)
        // +5.00 EUR is "1 to 10"; -150.000 KWD is "-100 or less"; no legacy JPY balance.
        let counted = buckets.filter { $0.count > 0 }.map(\.label)
        #expect(counted == ["-100 or less", "1 to 10", "no legacy balance"])
    }
}
