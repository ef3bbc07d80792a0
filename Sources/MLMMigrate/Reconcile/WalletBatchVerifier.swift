/// A wallet as `mlm.wallets` stores it.
struct StoredWallet: Sendable {
    var balance: Int64
    var count: Int64
    /// nil when the stored value is not a 32-byte `bytea` (it then differs from any hash).
    var head: Hash32?
    var merkle: Hash32?
}

/// What one batch of whole wallets verified to.
struct WalletBatchResult: Sendable {
    var entries = 0
    var summaries: [LedgerHasher.WalletSummary] = []
    var findings: [LedgerFinding] = []
    var findingCount = 0
    var malformed = 0
    /// Findings of the stored wallets that have no entries (the report lists them last).
    var walletsWithoutEntries = (findings: [LedgerFinding](), count: 0)
    var loadedByCurrency: [String: (entries: Int, minor: Int128)] = [:]
}

/// Verifies the entries of whole members' wallets (COPY text lines in seq order, as read from
/// the target) against the rules of docs/ledger-hashing.md and the stored wallet rows of those
/// members and of the members before them that have no entries. Pure: the verifier runs
/// batches on several threads and combines the results in order.
struct WalletBatchVerifier: Sendable {
    /// The stored wallets in (member id, currency) order.
    let wallets: [StoredWalletStream.Wallet]
    let stored: [WalletKey: StoredWallet]
    let listLimit: Int

    init(stored wallets: [StoredWalletStream.Wallet], listLimit: Int) {
        self.wallets = wallets
        self.stored = Dictionary(wallets.map { ($0.key, $0.row) }, uniquingKeysWith: { _, last in last })
        self.listLimit = listLimit
    }

    func verify(_ bytes: [UInt8], lines: [Range<Int>]) -> WalletBatchResult {
        var result = WalletBatchResult()
        var current: WalletKey?
        // Statics read once: each access in the loop would go through its lazy initialiser's check.
        let genesis = LedgerHasher.genesis
        let width = LedgerStageLayout.entries.count
        // The independent chain, held inline; the stored hashes are bytes as read (any length).
        var chain = Hash32()
        var storedPrevious = genesis
        var merkle = MerkleAccumulator()
        var balance: Int64 = 0
        var storedBalance: Int64 = 0
        var previousTime = Int64.min
        var previousTxn: [UInt8] = []
        var seen = Set<WalletKey>()
        func find(_ wallet: WalletKey, _ seq: Int64?, _ problem: String) {
            result.findingCount += 1
            if result.findings.count < listLimit { result.findings.append(LedgerFinding(memberID: wallet.memberID, currency: wallet.currency, seq: seq, problem: problem)) }
        }
        func closeWallet() {
            guard let wallet = current else { return }
            let root = merkle.rootHash
            result.loadedByCurrency[wallet.currency, default: (0, 0)].entries += merkle.count
            result.loadedByCurrency[wallet.currency, default: (0, 0)].minor += Int128(balance)
            result.summaries.append(LedgerHasher.WalletSummary(
                memberID: wallet.memberID, currency: wallet.currency, entryCount: Int64(merkle.count), balanceMinor: balance, head: chain, root: root
            ))
            guard let row = stored[wallet] else {
                find(wallet, nil, "has entries but no row in mlm.wallets")
                return
            }
            seen.insert(wallet)
            for problem in Self.compare(row, count: Int64(merkle.count), balance: balance, head: chain, merkle: root) { find(wallet, nil, problem) }
        }
        var ranges: [Range<Int>] = []
        // Per line, without a string or an array of its own: the current wallet's currency, the
        // previous transaction id and the stored hashes are bytes in buffers reused line to line.
        var currentCurrency: [UInt8] = []
        var storedHash: [UInt8] = []
        var decoded: (currency: String, txnID: String, kind: String) = ("", "", "")
        bytes.withUnsafeBufferPointer { buffer in
            for range in lines {
                result.entries += 1
                // Fields are read as bytes (numbers, the time, the hash, and the texts when they
                // hold no escape): the values CopyText.decodeRow then Int64, UTCTimestamp.parse,
                // bytea would give.
                let line = UnsafeBufferPointer(rebasing: buffer[range])
                CopyText.fieldRanges(line, into: &ranges)
                func field(_ index: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: line[ranges[index]]) }
                guard ranges.count == width, let memberID = CopyText.int64(field(0)), !CopyText.isNull(field(1)),
                      let seq = CopyText.int64(field(2)), let amount = CopyText.int64(field(5)),
                      let occurredAt = UTCTimestamp.parse(bytes: field(6)), let balanceAfter = CopyText.int64(field(7)),
                      LedgerVerifier.bytea(copyField: field(8), into: &storedHash) else { result.malformed += 1; continue }
                let backslash = UInt8(ascii: "\\")
                let escaped = field(1).contains(backslash) || field(3).contains(backslash) || field(4).contains(backslash)
                if escaped {
                    decoded = (CopyText.text(field(1)) ?? "", CopyText.text(field(3)) ?? "", CopyText.text(field(4)) ?? "")
                }
                // The texts as UTF-8 bytes: the field itself, or the decoded text's when it has escapes.
                func withTexts<R>(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> R) -> R {
                    // `\N` has a backslash too: a NULL id or kind is decoded, to the empty text.
                    guard escaped else { return body(field(1), field(3), field(4)) }
                    var (currency, txnID, kind) = decoded
                    return currency.withUTF8 { currency in
                        txnID.withUTF8 { txnID in kind.withUTF8 { kind in body(currency, txnID, kind) } }
                    }
                }
                withTexts { currency, txnID, kind in
                    // The same wallet while the currency is the same text (as `String ==` has it).
                    let sameCurrency = currentCurrency.withUnsafeBufferPointer { PackedStrings.sameText(currency, $0) }
                    if current?.memberID != memberID || !sameCurrency {
                        closeWallet()
                        current = WalletKey(memberID: memberID, currency: String(decoding: currency, as: UTF8.self))
                        currentCurrency.removeAll(keepingCapacity: true)
                        currentCurrency.append(contentsOf: currency)
                        chain = Hash32()
                        storedPrevious = genesis
                        merkle = MerkleAccumulator()
                        balance = 0
                        storedBalance = 0
                        previousTime = Int64.min
                        previousTxn.removeAll(keepingCapacity: true)
                    }
                    let wallet = current ?? WalletKey(memberID: memberID, currency: "")
                    if occurredAt < previousTime || (occurredAt == previousTime && !previousTxn.lexicographicallyPrecedes(txnID)) {
                        find(wallet, seq, "out of order: entries must follow (occurred_at, legacy_txn_id)")
                    }
                    previousTime = occurredAt
                    previousTxn.removeAll(keepingCapacity: true)
                    previousTxn.append(contentsOf: txnID)
                    let expectedSeq = Int64(merkle.count + 1)
                    if seq != expectedSeq { find(wallet, seq, "seq out of order: expected \(expectedSeq)") }
                    balance &+= amount
                    if balanceAfter != storedBalance &+ amount { find(wallet, seq, "balance_after_minor is not the previous balance plus amount_minor") }
                    storedBalance = balanceAfter
                    func hash(seq: Int64, balanceAfter: Int64, previous: UnsafeRawBufferPointer) -> Hash32 {
                        LedgerHasher.entryHash(
                            memberID: memberID, currency: currency, seq: seq, legacyTxnID: txnID, kind: kind, amountMinor: amount,
                            occurredAt: occurredAt, balanceAfterMinor: balanceAfter, previous: previous
                        )
                    }
                    let computed = storedPrevious.withUnsafeBytes { hash(seq: seq, balanceAfter: balanceAfter, previous: $0) }
                    let intact = Hash32.exactly(storedHash) == computed
                    if !intact { find(wallet, seq, "entry_hash does not match the entry's contents and the previous entry's hash") }
                    // The independent chain equals the stored one while nothing diverged: reuse the hash.
                    if intact && Hash32.exactly(storedPrevious) == chain && seq == expectedSeq && balanceAfter == balance {
                        chain = computed
                    } else {
                        chain = chain.withUnsafeBytes { hash(seq: expectedSeq, balanceAfter: balance, previous: $0) }
                    }
                    // This entry's stored hash is the next one's previous; the old buffer is reused.
                    swap(&storedPrevious, &storedHash)
                    merkle.append(chain)
                }
            }
        }
        closeWallet()
        let empty = MerkleAccumulator().rootHash
        for (wallet, row) in wallets where !seen.contains(wallet) {
            result.summaries.append(LedgerHasher.WalletSummary(
                memberID: wallet.memberID, currency: wallet.currency, entryCount: 0, balanceMinor: 0,
                head: Hash32(), root: empty
            ))
            for problem in Self.compare(row, count: 0, balance: 0, head: Hash32(), merkle: empty) {
                result.walletsWithoutEntries.count += 1
                if result.walletsWithoutEntries.findings.count < listLimit {
                    let finding = LedgerFinding(memberID: wallet.memberID, currency: wallet.currency, seq: nil, problem: problem)
                    result.walletsWithoutEntries.findings.append(finding)
                }
            }
        }
        result.summaries.sort(by: LedgerHasher.RunDigest.precedes)
        return result
    }

    /// The problems of a stored wallet row against what its entries add up to.
    static func compare(_ row: StoredWallet, count: Int64, balance: Int64, head: Hash32, merkle root: Hash32) -> [String] {
        var problems: [String] = []
        if row.count != count { problems.append("entry_count is \(row.count) but \(count) entries were read") }
        if row.balance != balance { problems.append("balance_minor differs from the sum of its entries") }
        if row.head != head { problems.append("head_hash differs from the hash chain recomputed from its entries") }
        if row.merkle != root { problems.append("merkle_root differs from the Merkle root recomputed from its entries") }
        return problems
    }
}
