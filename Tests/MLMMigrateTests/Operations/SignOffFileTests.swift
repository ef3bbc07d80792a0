import Foundation
import Testing
@testable import MLMMigrate

@Suite struct SignOffFileTests {
    private static var entries: [ExceptionEntry] {
        var orphan = ExceptionEntry(kind: .quarantine, entity: "members", reason: "genealogy.orphan_sponsor")
        orphan.legacyID = "M-17"
        orphan.source = "members.csv"
        orphan.line = "17"
        orphan.columns = "sponsor"
        var variance = ExceptionEntry(kind: .balanceVariance, entity: "wallets", reason: "ledger.balance_variance")
        variance.legacyID = "M-17"
        variance.currency = "USD"
        variance.amountMinor = "-250"
        return [orphan, variance]
    }

    /// exceptions.csv as exported for run `runID`, with decision and comment per line added.
    private func file(_ decisions: [(String, String)], runID: Int = 4, edit: (inout [String]) -> Void = { _ in }) -> String {
        var out: [UInt8] = []
        ExceptionsCSV.appendLine(SignOffFile.columns, to: &out)
        for (index, entry) in Self.entries.enumerated() {
            var fields = ExceptionsCSV.fields(entry, runID: runID, decision: nil) + [decisions[index].0, decisions[index].1]
            if index == 0 { edit(&fields) }
            ExceptionsCSV.appendLine(fields, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func read(_ text: String) throws -> SignOffFile.Contents {
        let directory = try TemporaryDirectory()
        return try SignOffFile.read(path: try directory.write("decided.csv", text), displayName: "decided.csv")
    }

    private func onlyIssue(_ text: String) throws -> SignOffIssue? {
        let contents = try read(text)
        #expect(contents.issues.count == 1, "\(contents.issues)")
        return contents.issues.first
    }

    @Test func readsDecisionsAndLeavesBlankRowsOpen() throws {
        let contents = try read(file([("accepted", "legacy test account,\n\"known\""), ("", "")]))
        #expect(contents.issues.isEmpty)
        #expect(contents.undecided == 1)
        #expect(contents.rows.count == 1)
        let row = try #require(contents.rows.first)
        #expect(row.exceptionID == Self.entries[0].id && row.runID == 4 && row.line == 2)
        #expect(row.decision == .accepted && row.comment == "legacy test account,\n\"known\"")
        #expect(row.contentDigest == Self.entries[0].contentDigest)
        #expect(contents.fileDigest.count == 64)
    }

    @Test func aMissingFileStopsWithItsName() throws {
        #expect(throws: MigrationError(.signoffUnreadable, "cannot read the sign-off file /nonexistent/decided.csv")) {
            try SignOffFile.read(path: "/nonexistent/decided.csv")
        }
    }

    @Test func anEmptyFileIsNamed() throws {
        let issue = try onlyIssue("")
        #expect(issue?.description == "decided.csv:1: the file is empty; expected the header line of exceptions.csv with decision and comment added")
    }

    @Test func aHeaderWithoutTheDecisionColumnIsNamed() throws {
        let text = ExceptionsCSV.columns.joined(separator: ",") + ",comment\r\n"
        let issue = try onlyIssue(text)
        #expect(issue?.line == 1 && issue?.column == "decision")
    }

    @Test func aRowWithTheWrongFieldCountIsNamed() throws {
        let issue = try onlyIssue(file([("accepted", "ok"), ("", "")]) + "EX-0000000000000000,4\r\n")
        #expect(issue?.line == 4 && issue?.problem == "has 2 fields, the header 21")
    }

    @Test func anUnclosedQuoteIsNamed() throws {
        let lines = file([("accepted", "ok"), ("", "")]).components(separatedBy: "\r\n")
        let broken = lines[0] + "\r\n" + lines[1].replacingOccurrences(of: ",ok", with: ",\"o\"k") + "\r\n"
        let issue = try onlyIssue(broken)
        #expect(issue?.line == 2 && issue?.problem.contains("quoted field") == true)
    }

    @Test func invalidUTF8IsNamedWithItsColumn() throws {
        var bytes = Array(file([("accepted", "ok"), ("", "")]).utf8)
        let marker = Array(",ok\r\n".utf8)
        let at = try #require((0...(bytes.count - marker.count)).first { Array(bytes[$0..<$0 + marker.count]) == marker })
        bytes.insert(0xFF, at: at + 1)
        let directory = try TemporaryDirectory()
        let contents = try SignOffFile.read(path: try directory.write("decided.csv", bytes), displayName: "decided.csv")
        #expect(contents.issues.map(\.description) == ["decided.csv:2: column comment: is not valid UTF-8"])
    }

    @Test func aCommentWithoutADecisionIsNamed() throws {
        let issue = try onlyIssue(file([("", "looked at it"), ("", "")]))
        #expect(issue?.description == "decided.csv:2: column comment: a comment without a decision")
    }

    @Test func anUnknownDecisionIsNamedWithoutItsValue() throws {
        let issue = try onlyIssue(file([("acepted", "typo"), ("", "")]))
        #expect(issue?.column == "decision" && issue?.problem.contains("acepted") == false)
        #expect(issue?.problem == "unknown decision; expected accepted, fix_in_source or fix_in_target")
    }

    @Test func aDecisionWithoutACommentIsNamed() throws {
        let issue = try onlyIssue(file([("", ""), ("fix_in_target", "  ")]))
        #expect(issue?.line == 3 && issue?.column == "comment")
    }

    @Test func aMalformedExceptionIDIsNamedAndBreaksTheDigest() throws {
        let contents = try read(file([("accepted", "ok"), ("", "")]) { $0[0] = "EX-XYZ" })
        #expect(contents.issues.map(\.column) == ["exception_id", "content_sha256"])
        #expect(contents.issues.map(\.line) == [2, 2])
    }

    @Test func anExceptionDecidedTwiceInTheFileIsNamed() throws {
        let text = file([("accepted", "ok"), ("", "")])
        let lines = text.components(separatedBy: "\r\n")
        let issue = try onlyIssue(text + lines[1] + "\r\n")
        #expect(issue?.description == "decided.csv:4: column exception_id: this exception is decided twice in the file (first on line 2)")
    }

    @Test func aRunIDThatIsNotANumberIsNamed() throws {
        let issue = try onlyIssue(file([("accepted", "ok"), ("", "")]) { $0[1] = "four" })
        #expect(issue?.column == "run_id")
    }

    @Test func anEditedContentColumnIsCaughtByTheDigest() throws {
        let issue = try onlyIssue(file([("accepted", "ok"), ("", "")]) { $0[13] = "1" })
        #expect(issue?.column == "content_sha256" && issue?.line == 2)
    }

    @Test func rowsOfTwoRunsAreRefused() throws {
        let first = file([("accepted", "ok"), ("", "")], runID: 4).components(separatedBy: "\r\n")
        let second = file([("", ""), ("accepted", "ok")], runID: 5).components(separatedBy: "\r\n")
        let issue = try onlyIssue([first[0], first[1], second[2], ""].joined(separator: "\r\n"))
        #expect(issue?.line == 1 && issue?.column == "run_id")
    }
}
