import Testing
@testable import MLMMigrate

@Suite struct StageRowsTests {
    @Test func everyRowTypeWritesExactlyItsLayoutsColumns() {
        let rejection = Rejection(.requiredMissing, column: "username", detail: nil)
        #expect(QuarantineRow(entity: "members", source: "m.csv", line: "3", legacyID: nil, rejection: rejection, payload: nil).fields.count
            == MemberStageLayout.quarantine.count)
        let member = CleansedMemberRow(
            source: "m.csv", line: "2", legacyID: "7", username: "u", status: "active", joinedAtMicros: -1,
            sponsorLegacyID: "1", placementLegacyID: nil, placementLeg: "L"
        )
        #expect(member.fields.count == MemberStageLayout.cleansed.count)
        #expect(CleansedMemberRow(member.fields) == member)
        let entry = CleansedEntryRow(
            source: "t.csv", line: "9", legacyTxnID: "T1", memberLegacyID: "7", currency: "USD", kind: "credit",
            amountMinor: -250, occurredAtMicros: 1_700_000_000_000_000
        )
        #expect(entry.fields.count == LedgerStageLayout.cleansedEntries.count)
        #expect(CleansedEntryRow(entry.fields) == entry)
        let balance = CleansedBalanceRow(source: "b.csv", line: "4", memberLegacyID: "7", currency: "INR", balanceMinor: 0)
        #expect(balance.fields.count == LedgerStageLayout.cleansedBalances.count)
        #expect(CleansedBalanceRow(balance.fields) == balance)
    }

    @Test func anExtractHeaderCarriesTheRecordsOwnQuarantineReason() {
        let unread = ExtractRecordHeader(["x.csv", "12", "extract.column_count", "email", "ignored"])
        #expect(unread.location == SourceLocation(source: "x.csv", line: 12))
        #expect(unread.rejection == Rejection(.columnCount, column: "email", detail: "record could not be read"))
        #expect(ExtractRecordHeader(["x.csv", "13", nil, nil]).rejection == nil)
    }
}
