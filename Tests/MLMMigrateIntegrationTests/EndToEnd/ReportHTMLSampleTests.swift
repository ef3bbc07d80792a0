import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MLMMigrate
import Testing

/// Both samples' `report.html`: self-contained, well-formed, verdict first, money in its
/// currency; and its screenshots at desktop and phone widths. (That no PII reaches it is
/// NoPlaintextPIITests' search of the whole work directory.)
@Suite struct ReportHTMLSampleTests {
    /// Migrates `vendor`'s sample into a fresh database; returns the work directory.
    static func migrate(_ vendor: String) throws -> TemporaryDirectory {
        let work = try TemporaryDirectory()
        let target = try TestPostgres.freshDatabase("html")
        let result = try ToolRun.run("mlm-migrate", [
            "run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--target", target,
            "--work-dir", work.path, "--kek-file", TestKeys.kekFile,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("report (html): \(work.path)/report.html"))
        return work
    }

    @Test(arguments: ["vendor1-binaryplan", "vendor2-mlmsoft"])
    func writesASelfContainedReportHTMLThatAnXMLParserReads(vendor: String) throws {
        let work = try Self.migrate(vendor)
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(work.path)/report.html"))
        let html = String(decoding: data, as: UTF8.self)
        let lowered = html.lowercased()
        for reference in ["http:", "https:", "//", "src=", "href=", "@import", "url(", "<script", "<link", "<img", "<iframe"] {
            #expect(!lowered.contains(reference), "\(vendor)'s report.html contains \(reference)")
        }
        let parser = XMLParser(data: data)
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "") at line \(parser.lineNumber)")

        let verdict = try #require(html.range(of: "<h1>Migration report: PASSED</h1>"))
        let firstChart = try #require(html.range(of: "<svg "))
        #expect(verdict.lowerBound < firstChart.lowerBound)
        for title in [
            "Quarantined rows by reason", "Sponsor-tree depth: export and loaded", "Ledger totals per currency",
            "Balance variances by size", "Stage timings",
        ] {
            #expect(html.contains("<title>\(title)</title>"), "\(vendor): no chart \(title)")
        }
        // Money in its currency, the same figures as report.json's minor units.
        let json = try JSONDecoder().decode(MigrationReport.self, from: Data(contentsOf: URL(fileURLWithPath: "\(work.path)/report.json")))
        let currencies = try #require(json.content.ledger?.currencies)
        for currency in currencies {
            #expect(currency.exponent == CurrencyTable.exponent(of: currency.currency))
            let text = MoneyText.format(currency.sourceMinor, currency: currency.currency)
            #expect(html.contains(">\(text)</td>"), "\(vendor): \(text)")
        }
        // The same report gives the same bytes.
        #expect(try ReportWriter.html(json) == html)
    }

    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: chromium != nil, "needs chromium (scripts/setup.sh installs it)"))
    func rendersTheReportAtDesktopAndPhoneWidths() throws {
        let work = try Self.migrate("vendor1-binaryplan")
        let out = "\(work.path)/shots"
        let result = try CommandRunner.run(
            "/bin/bash", ["\(PackagePaths.root)/scripts/report-screenshots.sh", "\(work.path)/report.html", out], separateErrors: true
        )
        #expect(result.status == 0, "\(result.errorOutput)")
        for (name, width) in [("desktop", 1280), ("phone", 390)] {
            let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(out)/report-\(name).png")))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "\(name) is a PNG")
            // IHDR's width: bytes 16-19, big-endian.
            let pixels = png.count > 24 ? png[16..<20].reduce(0) { $0 << 8 | Int($1) } : 0
            #expect(pixels == width, "\(name) is \(width) px wide")
        }
    }

    @Test func refusesToRenderAFileThatDoesNotExist() throws {
        let result = try CommandRunner.run(
            "/bin/bash", ["\(PackagePaths.root)/scripts/report-screenshots.sh", "/nonexistent/report.html", "/tmp"], separateErrors: true
        )
        #expect(result.status == 2)
        #expect(result.errorOutput.contains("no such file: /nonexistent/report.html"))
    }
}
