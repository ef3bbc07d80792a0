import Testing
@testable import MLMMigrate

@Suite struct ExceptionsCSVTests {
    @Test func plainFieldsAreWrittenAsTheyAre() {
        #expect(ExceptionsCSV.quoted("genealogy.orphan_sponsor") == "genealogy.orphan_sponsor")
        #expect(ExceptionsCSV.quoted("") == "")
        #expect(ExceptionsCSV.quoted("-250") == "-250")
    }

    @Test func commasQuotesAndLineBreaksAreQuotedWithQuotesDoubled() {
        #expect(ExceptionsCSV.quoted("sponsor,placement") == "\"sponsor,placement\"")
        #expect(ExceptionsCSV.quoted("a \"b\"") == "\"a \"\"b\"\"\"")
        #expect(ExceptionsCSV.quoted("one\ntwo") == "\"one\ntwo\"")
        #expect(ExceptionsCSV.quoted("one\r\ntwo") == "\"one\r\ntwo\"")
    }

    /// Writes `entries` as the register of run `runID` and returns the file and its figures.
    private func written(_ entries: [ExceptionEntry], runID: Int, decisions: ExceptionDecisions = ExceptionDecisions()) throws -> (String, ExceptionFigures) {
        let directory = try TemporaryDirectory()
        let path = "\(directory.path)/exceptions.csv"
        let figures = try ExceptionsCSV.write(to: path, runID: runID, decisions: decisions) { each throws(MigrationError) in
            for entry in entries { try each(entry) }
        }
        return (try String(contentsOfFile: path, encoding: .utf8), figures)
    }

    @Test func theFileHasTheHeaderThenOneCRLFLinePerException() throws {
        var entry = ExceptionEntry(kind: .duplicateCandidate, entity: "members", reason: "genealogy.duplicate_person")
        entry.legacyID = "M-2"
        entry.relatedLegacyID = "M-1"
        entry.columns = "email,phone"
        entry.detail = "score 100%"
        let (text, figures) = try written([entry], runID: 3)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.count == 3 && lines[2].isEmpty)
        #expect(lines[0] == ExceptionsCSV.columns.joined(separator: ","))
        #expect(lines[1] == "\(entry.id),3,duplicate_candidate,members,genealogy.duplicate_person,,,M-2,M-1,,\"email,phone\",,,,,,score 100%,\(entry.contentDigest),open")
        #expect(figures.total == 1 && figures.open == 1 && figures.runID == 3)
    }

    @Test func figuresWithoutAFileCountTheSame() throws {
        let entries = (1...3).map { index in
            var entry = ExceptionEntry(kind: index == 2 ? .balanceVariance : .quarantine, entity: "wallets", reason: "ledger.balance_variance")
            entry.legacyID = "M-\(index)"
            return entry
        }
        let counted = try ExceptionsCSV.write(to: nil, runID: 1, decisions: ExceptionDecisions()) { each throws(MigrationError) in
            for entry in entries { try each(entry) }
        }
        #expect(counted == (try written(entries, runID: 1)).1)
        #expect(counted.kinds.map(\.total) == [2, 1, 0, 0])
    }

    @Test func aDecisionOnTheSameContentShowsAsTheStatusAndOnOtherContentLeavesItOpen() throws {
        var entry = ExceptionEntry(kind: .balanceVariance, entity: "wallets", reason: "ledger.balance_variance")
        entry.legacyID = "M-5"
        entry.currency = "EUR"
        let same = RecordedDecision(decision: .fixInSource, contentDigest: entry.contentDigest, decidedBy: "A", decidedAt: "", runID: 1)
        var decisions = ExceptionDecisions([entry.id: same])
        #expect(ExceptionsCSV.fields(entry, runID: 2, decision: decisions.covering(entry)).last == "fix_in_source")
        let (decidedText, decided) = try written([entry], runID: 2, decisions: decisions)
        #expect(decided.decided == 1 && decided.kinds[1].byDecision == ["fix_in_source": 1])
        #expect(decidedText.hasSuffix(",fix_in_source\r\n"))
        decisions.latest[entry.id]?.contentDigest = String(repeating: "0", count: 64)
        #expect(decisions.covering(entry) == nil)
        let (openText, figures) = try written([entry], runID: 2, decisions: decisions)
        #expect(openText.hasSuffix(",open\r\n"))
        #expect(figures.open == 1 && figures.decided == 0)
        #expect(figures.kinds.map(\.kind) == ["quarantine", "balance_variance", "duplicate_candidate", "parallel_run_mismatch"])
    }

    @Test func contentColumnsAreTheHashedFieldsInOrder() {
        var entry = ExceptionEntry(kind: .quarantine, entity: "wallet_entries", reason: "ledger.member_quarantined")
        entry.legacyID = "T-1"
        entry.amountMinor = "1250"
        let row = Dictionary(uniqueKeysWithValues: zip(ExceptionsCSV.columns, ExceptionsCSV.fields(entry, runID: 1, decision: nil)))
        #expect(ExceptionsCSV.contentColumns.map { row[$0] ?? "?" } == entry.contentFields)
    }
}
