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

    /// ``verify(_:)`` of COPY text lines (`lines`: ranges of `bytes`, newlines excluded).
    func verify(_ bytes: [UInt8], lines: [Range<Int>]) -> WalletBatchResult {
        verify(ReadEntries(text: bytes, lines: lines))
    }

    func verify(_ read: ReadEntries) -> WalletBatchResult {
        var result = WalletBatchResult()
        result.entries = read.count
        result.malformed = read.malformed
        var current: WalletKey?
        // Statics read once: each access in the loop would go through its lazy initialiser's check.
        let genesis = LedgerHasher.genesis
        // The independent chain, held inline; the stored hashes are bytes as read (any length).
        var chain = Hash32()
        var storedPrevious = UnsafeRawBufferPointer(start: nil, count: 0)
        var merkle = MerkleAccumulator()
        var balance: Int64 = 0
        var storedBalance: Int64 = 0
        var previousTime = Int64.min
        var previousTxn = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
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
        // The current wallet's currency, the previous transaction id and the previous stored
        // hash are bytes of the batch: no string or array per entry.
        var currentCurrency = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        genesis.withUnsafeBytes { genesis in
            read.bytes.withUnsafeBufferPointer { all in
                for entry in read.entries {
                    func bytes(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: all[range]) }
                    let (currency, txnID, kind) = (bytes(entry.currency), bytes(entry.txnID), bytes(entry.kind))
                    let storedHash = UnsafeRawBufferPointer(bytes(entry.hash))
                    let (memberID, seq, amount) = (entry.memberID, entry.seq, entry.amount)
                    let (occurredAt, balanceAfter) = (entry.occurredAt, entry.balanceAfter)
                    // The same wallet while the currency is the same text (as `String ==` has it).
                    if current?.memberID != memberID || !PackedStrings.sameText(currency, currentCurrency) {
                        closeWallet()
                        current = WalletKey(memberID: memberID, currency: String(decoding: currency, as: UTF8.self))
                        currentCurrency = currency
                        chain = Hash32()
                        storedPrevious = genesis
                        merkle = MerkleAccumulator()
                        balance = 0
                        storedBalance = 0
                        previousTime = Int64.min
                        previousTxn = UnsafeBufferPointer(start: nil, count: 0)
                    }
                    let wallet = current ?? WalletKey(memberID: memberID, currency: "")
                    if occurredAt < previousTime || (occurredAt == previousTime && !previousTxn.lexicographicallyPrecedes(txnID)) {
                        find(wallet, seq, "out of order: entries must follow (occurred_at, legacy_txn_id)")
                    }
                    previousTime = occurredAt
                    previousTxn = txnID
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
                    let computed = hash(seq: seq, balanceAfter: balanceAfter, previous: storedPrevious)
                    let intact = Hash32.exactly(storedHash) == computed
                    if !intact { find(wallet, seq, "entry_hash does not match the entry's contents and the previous entry's hash") }
                    // The independent chain equals the stored one while nothing diverged: reuse the hash.
                    if intact && Hash32.exactly(storedPrevious) == chain && seq == expectedSeq && balanceAfter == balance {
                        chain = computed
                    } else {
                        chain = chain.withUnsafeBytes { hash(seq: expectedSeq, balanceAfter: balance, previous: $0) }
                    }
                    // This entry's stored hash is the next one's previous.
                    storedPrevious = storedHash
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
