import Testing
@testable import MLMMigrate

@Suite struct ExceptionEntryTests {
    private func orphan(_ legacyID: String, line: String = "17") -> ExceptionEntry {
        var entry = ExceptionEntry(kind: .quarantine, entity: "members", reason: "genealogy.orphan_sponsor")
        entry.legacyID = legacyID
        entry.source = "members.csv"
        entry.line = line
        entry.columns = "sponsor"
        return entry
    }

    private var variance: ExceptionEntry {
        var entry = ExceptionEntry(kind: .balanceVariance, entity: "wallets", reason: "ledger.balance_variance")
        entry.legacyID = "M-17"
        entry.currency = "USD"
        entry.exponent = "2"
        entry.columns = "balance_minor,legacy_balance_minor"
        entry.amountMinor = "-250"
        entry.legacyMinor = "10000"
        entry.migratedMinor = "9750"
        return entry
    }

    /// The values docs/exceptions.md derives with printf and sha256sum.
    @Test func theIdIsTheDocumentedHashOfTheIdentityLine() {
        #expect(orphan("M-17").id == "EX-7cc82a0b678a9531")
        var unkeyed = ExceptionEntry(kind: .quarantine, entity: "members", reason: "extract.column_count")
        unkeyed.source = "members.csv"
        unkeyed.line = "42"
        #expect(unkeyed.id == "EX-452afa5516e5353c")
        #expect(variance.id == "EX-a24b3ab23e459ddf")
        #expect(variance.contentDigest == "f09421fd118284aa1442344674536a54029e922befbd6e1fc17477aeb681ad09")
    }

    @Test func aMovedRowKeepsItsIdAndDigestWhenItHasALegacyID() {
        let moved = orphan("M-17", line: "90")
        #expect(moved.id == orphan("M-17").id)
        #expect(moved.contentDigest == orphan("M-17").contentDigest)
    }

    @Test func aRowWithoutLegacyIDIsKnownByItsSourceAndLine() {
        #expect(orphan("", line: "17").id != orphan("", line: "18").id)
    }

    @Test func aChangedAmountKeepsTheIdButChangesTheDigest() {
        var changed = variance
        changed.amountMinor = "-300"
        changed.migratedMinor = "9700"
        #expect(changed.id == variance.id)
        #expect(changed.contentDigest != variance.contentDigest)
    }

    @Test func anotherReasonKindOrCurrencyIsAnotherException() {
        var other = orphan("M-17")
        other.reason = "genealogy.sponsor_quarantined"
        #expect(other.id != orphan("M-17").id)
        var euro = variance
        euro.currency = "EUR"
        #expect(euro.id != variance.id)
    }

    @Test func theOccurrenceIsPartOfTheIdentity() {
        var second = orphan("M-9", line: "8")
        second.occurrence = 2
        #expect(orphan("M-9", line: "3").id == orphan("M-9", line: "8").id)
        #expect(second.id != orphan("M-9").id)
    }

    @Test func fieldsWithTabsOrNewlinesAreEscapedBeforeHashing() {
        #expect(orphan("A\tB").id != orphan("A").id)
        #expect(ExceptionEntry.sha256Line(["a\tb"]) != ExceptionEntry.sha256Line(["a", "b"]))
    }
}
