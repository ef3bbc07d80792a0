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
        var chain = genesis
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
            let root = merkle.root
            result.loadedByCurrency[wallet.currency, default: (0, 0)].entries += merkle.count
            result.loadedByCurrency[wallet.currency, default: (0, 0)].minor += Int128(balance)
            result.summaries.append(LedgerHasher.WalletSummary(memberID: wallet.memberID, currency: wallet.currency, entryCount: Int64(merkle.count), balanceMinor: balance, headHash: chain, merkleRoot: root))
            guard let row = stored[wallet] else {
                find(wallet, nil, "has entries but no row in mlm.wallets")
                return
            }
            seen.insert(wallet)
            for problem in Self.compare(row, count: Int64(merkle.count), balance: balance, head: chain, merkle: root) { find(wallet, nil, problem) }
        }
        var ranges: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { buffer in
            for range in lines {
                result.entries += 1
                // Fields are read as bytes where they can be (numbers, the time, the hash): the
                // same values CopyText.decodeRow then Int64, UTCTimestamp.parse, bytea would give.
                let line = UnsafeBufferPointer(rebasing: buffer[range])
                CopyText.fieldRanges(line, into: &ranges)
                func field(_ index: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: line[ranges[index]]) }
                guard ranges.count == width, let memberID = CopyText.int64(field(0)), let currency = CopyText.text(field(1)),
                      let seq = CopyText.int64(field(2)), let amount = CopyText.int64(field(5)),
                      let occurredAt = UTCTimestamp.parse(bytes: field(6)), let balanceAfter = CopyText.int64(field(7)),
                      let storedHash = LedgerVerifier.bytea(copyField: field(8)) else { result.malformed += 1; continue }
                let (txnID, kind) = (CopyText.text(field(3)) ?? "", CopyText.text(field(4)) ?? "")
                let wallet = WalletKey(memberID: memberID, currency: currency)
                if wallet != current {
                    closeWallet()
                    current = wallet
                    chain = genesis
                    storedPrevious = genesis
                    merkle = MerkleAccumulator()
                    balance = 0
                    storedBalance = 0
                    previousTime = Int64.min
                    previousTxn = []
                }
                let txn = Array(txnID.utf8)
                if occurredAt < previousTime || (occurredAt == previousTime && !previousTxn.lexicographicallyPrecedes(txn)) {
                    find(wallet, seq, "out of order: entries must follow (occurred_at, legacy_txn_id)")
                }
                previousTime = occurredAt
                previousTxn = txn
                let expectedSeq = Int64(merkle.count + 1)
                if seq != expectedSeq { find(wallet, seq, "seq out of order: expected \(expectedSeq)") }
                balance &+= amount
                if balanceAfter != storedBalance &+ amount { find(wallet, seq, "balance_after_minor is not the previous balance plus amount_minor") }
                storedBalance = balanceAfter
                var entry = LedgerEntry(memberID: memberID, currency: currency, seq: seq, legacyTxnID: txnID, kind: kind, amountMinor: amount, occurredAt: occurredAt, balanceAfterMinor: balanceAfter)
                let intact = LedgerHasher.entryHash(entry, previous: storedPrevious) == storedHash
                if !intact { find(wallet, seq, "entry_hash does not match the entry's contents and the previous entry's hash") }
                // The independent chain equals the stored one while nothing diverged: reuse the hash.
                if intact && chain == storedPrevious && seq == expectedSeq && balanceAfter == balance {
                    chain = storedHash
                } else {
                    entry.seq = expectedSeq
                    entry.balanceAfterMinor = balance
                    chain = LedgerHasher.entryHash(entry, previous: chain)
                }
                storedPrevious = storedHash
                merkle.append(chain)
            }
        }
        closeWallet()
        let empty = MerkleAccumulator().root
        for (wallet, row) in wallets where !seen.contains(wallet) {
            result.summaries.append(LedgerHasher.WalletSummary(
                memberID: wallet.memberID, currency: wallet.currency, entryCount: 0, balanceMinor: 0,
                headHash: LedgerHasher.genesis, merkleRoot: empty
            ))
            for problem in Self.compare(row, count: 0, balance: 0, head: LedgerHasher.genesis, merkle: empty) {
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
    static func compare(_ row: StoredWallet, count: Int64, balance: Int64, head: [UInt8], merkle root: [UInt8]) -> [String] {
        var problems: [String] = []
        if row.count != count { problems.append("entry_count is \(row.count) but \(count) entries were read") }
        if row.balance != balance { problems.append("balance_minor differs from the sum of its entries") }
        if row.head != Hash32.exactly(head) { problems.append("head_hash differs from the hash chain recomputed from its entries") }
        if row.merkle != Hash32.exactly(root) { problems.append("merkle_root differs from the Merkle root recomputed from its entries") }
        return problems
    }
}
