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

    @Test func theFileHasTheHeaderThenOneCRLFLinePerException() {
        var entry = ExceptionEntry(kind: .duplicateCandidate, entity: "members", reason: "genealogy.duplicate_person")
        entry.legacyID = "M-2"
        entry.relatedLegacyID = "M-1"
        entry.columns = "email,phone"
        entry.detail = "score 100%"
        let register = ExceptionRegister(runID: 3, entries: [entry], decisions: [:])
        let text = String(decoding: ExceptionsCSV.encode(register), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.count == 3 && lines[2].isEmpty)
        #expect(lines[0] == ExceptionsCSV.columns.joined(separator: ","))
        #expect(lines[1] == "\(entry.id),3,duplicate_candidate,members,genealogy.duplicate_person,,,M-2,M-1,,\"email,phone\",,,,,,score 100%,\(entry.contentDigest),open")
    }

    @Test func aDecisionOnTheSameContentShowsAsTheStatusAndOnOtherContentLeavesItOpen() {
        var entry = ExceptionEntry(kind: .balanceVariance, entity: "wallets", reason: "ledger.balance_variance")
        entry.legacyID = "M-5"
        entry.currency = "EUR"
        let same = RecordedDecision(decision: .fixInSource, contentDigest: entry.contentDigest, decidedBy: "A", decidedAt: "", runID: 1)
        var register = ExceptionRegister(runID: 2, entries: [entry], decisions: [entry.id: same])
        #expect(ExceptionsCSV.fields(entry, in: register).last == "fix_in_source")
        #expect(ExceptionFigures(register).decided == 1)
        register.decisions[entry.id]?.contentDigest = String(repeating: "0", count: 64)
        #expect(ExceptionsCSV.fields(entry, in: register).last == "open")
        let figures = ExceptionFigures(register)
        #expect(figures.open == 1 && figures.decided == 0)
        #expect(figures.kinds.map(\.kind) == ["quarantine", "balance_variance", "duplicate_candidate", "parallel_run_mismatch"])
    }

    @Test func contentColumnsAreTheHashedFieldsInOrder() {
        var entry = ExceptionEntry(kind: .quarantine, entity: "wallet_entries", reason: "ledger.member_quarantined")
        entry.legacyID = "T-1"
        entry.amountMinor = "1250"
        let register = ExceptionRegister(runID: 1, entries: [entry], decisions: [:])
        let row = Dictionary(uniqueKeysWithValues: zip(ExceptionsCSV.columns, ExceptionsCSV.fields(entry, in: register)))
        #expect(ExceptionsCSV.contentColumns.map { row[$0] ?? "?" } == entry.contentFields)
    }
}
