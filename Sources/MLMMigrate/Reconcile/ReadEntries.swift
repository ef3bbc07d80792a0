/// Wallet entries as the read-back reads them (``LedgerVerifier/entryTypes``, in
/// ``LedgerStageLayout/entries`` order), reduced to what ``WalletBatchVerifier`` checks: the
/// numbers and the time as values, the texts and the stored hash as bytes in one buffer.
///
/// A row the verifier cannot check (a NULL where it needs a value, a time it cannot read) is
/// counted in ``malformed`` and kept nowhere. Rows come from binary `COPY` (``append(_:)``, the
/// read-back) or from its text form (``append(textLine:)``); both give the same entries for the
/// same rows (``CopyBinaryText`` prints the one as the other).
struct ReadEntries: Sendable {
    struct Entry: Sendable {
        var memberID: Int64
        var seq: Int64
        var amount: Int64
        var occurredAt: Int64
        var balanceAfter: Int64
        /// Ranges of ``ReadEntries/bytes``: the texts as UTF-8 (a NULL id or kind empty) and the
        /// stored hash as stored (any length).
        var currency: Range<Int>
        var txnID: Range<Int>
        var kind: Range<Int>
        var hash: Range<Int>
    }

    private(set) var entries: [Entry] = []
    private(set) var bytes: [UInt8] = []
    private(set) var malformed = 0
    /// Rows appended, entries and malformed ones.
    var count: Int { entries.count + malformed }

    /// The times a text line can hold (``UTCTimestamp/parse(bytes:)``: a four-digit year): a
    /// binary row's time outside them is malformed, as its text form would be.
    static let readableTimes: ClosedRange<Int64> = {
        let first = UTCTimestamp.daysFromCivil(year: 0, month: 1, day: 1) * 86_400_000_000
        let last = (UTCTimestamp.daysFromCivil(year: 9999, month: 12, day: 31) + 1) * 86_400_000_000 - 1
        return first...last
    }()

    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        malformed = 0
    }

    /// Appends a row of binary `COPY` output of ``LedgerVerifier/entryTypes``.
    mutating func append(_ row: CopyBinaryRow) {
        guard let memberID = row.int64(0), !row.isNull(1), let seq = row.int64(2), let amount = row.int64(5),
              let occurredAt = row.timestampMicros(6), Self.readableTimes.contains(occurredAt),
              let balanceAfter = row.int64(7), !row.isNull(8) else {
            malformed += 1
            return
        }
        entries.append(Entry(
            memberID: memberID, seq: seq, amount: amount, occurredAt: occurredAt, balanceAfter: balanceAfter,
            currency: keep(row.bytes(1)), txnID: keep(row.bytes(3)), kind: keep(row.bytes(4)), hash: keep(row.bytes(8))
        ))
    }

    /// Appends a `COPY` text line (no newline) of those columns: the values `CopyText.decodeRow`
    /// then `Int64`, `UTCTimestamp.parse` and `bytea` would give, read from the bytes.
    mutating func append(textLine line: UnsafeBufferPointer<UInt8>, fieldRanges ranges: inout [Range<Int>], hash: inout [UInt8]) {
        CopyText.fieldRanges(line, into: &ranges)
        func field(_ index: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: line[ranges[index]]) }
        guard ranges.count == LedgerStageLayout.entries.count, let memberID = CopyText.int64(field(0)), !CopyText.isNull(field(1)),
              let seq = CopyText.int64(field(2)), let amount = CopyText.int64(field(5)),
              let occurredAt = UTCTimestamp.parse(bytes: field(6)), let balanceAfter = CopyText.int64(field(7)),
              LedgerVerifier.bytea(copyField: field(8), into: &hash) else {
            malformed += 1
            return
        }
        // A field with an escape (`\N` too: a NULL id or kind is the empty text) is decoded.
        func text(_ index: Int) -> Range<Int> {
            let start = bytes.count
            CopyText.appendText(of: field(index), to: &bytes)
            return start..<bytes.count
        }
        let texts = (currency: text(1), txnID: text(3), kind: text(4))
        let stored = hash.withUnsafeBytes { keep($0) }
        entries.append(Entry(
            memberID: memberID, seq: seq, amount: amount, occurredAt: occurredAt, balanceAfter: balanceAfter,
            currency: texts.currency, txnID: texts.txnID, kind: texts.kind, hash: stored
        ))
    }

    /// Appends COPY text lines (`lines`: ranges of `text`, newlines excluded).
    init(text: [UInt8], lines: [Range<Int>]) {
        var ranges: [Range<Int>] = []
        var hash: [UInt8] = []
        text.withUnsafeBufferPointer { all in
            for line in lines { append(textLine: UnsafeBufferPointer(rebasing: all[line]), fieldRanges: &ranges, hash: &hash) }
        }
    }

    init() {}

    private mutating func keep(_ value: UnsafeRawBufferPointer) -> Range<Int> {
        let start = bytes.count
        bytes.append(contentsOf: value)
        return start..<bytes.count
    }
}
