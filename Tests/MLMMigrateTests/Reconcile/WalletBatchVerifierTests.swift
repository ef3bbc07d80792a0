@testable import MLMMigrate
import Testing

/// The read-back's verifier on rows built here, hashed with the public (array) hashing: the
/// stored hashes it must refuse, and a tampered chain it must not rejoin.
@Suite struct WalletBatchVerifierTests {
    struct Row {
        var seq: Int64
        var amount: Int64
        var balanceAfter: Int64
        var hash: [UInt8]
    }

    /// Four entries of member 1's USD wallet, each hashed over the row as given (so a tampered
    /// balance gets a hash that matches it: a chain consistent with itself).
    private func rows(balanceAfter: (Int64, Int64) -> Int64 = { $1 }) -> [Row] {
        var previous = LedgerHasher.genesis
        var balance: Int64 = 0
        return (Int64(1)...4).map { seq -> Row in
            let amount = seq * 100
            balance += amount
            let stored = balanceAfter(seq, balance)
            let entry = LedgerEntry(
                memberID: 1, currency: "USD", seq: seq, legacyTxnID: "T\(seq)", kind: "credit", amountMinor: amount,
                occurredAt: seq * 1_000_000, balanceAfterMinor: stored, counterpartyID: nil
            )
            previous = LedgerHasher.entryHash(entry, previous: previous)
            return Row(seq: seq, amount: amount, balanceAfter: stored, hash: previous)
        }
    }

    /// Verifies `rows` as read back, against a stored wallet row of their head, root, count and
    /// balance (the balance the entries sum to).
    private func verify(_ rows: [Row], storedHashes: [[UInt8]]? = nil) -> WalletBatchResult {
        let hashes = storedHashes ?? rows.map(\.hash)
        var bytes: [UInt8] = []
        var lines: [Range<Int>] = []
        for (row, hash) in zip(rows, hashes) {
            let start = bytes.count
            bytes.append(contentsOf: Array("1\tUSD\t\(row.seq)\tT\(row.seq)\tcredit\t\(row.amount)\t".utf8))
            UTCTimestamp.append(micros: row.seq * 1_000_000, to: &bytes)
            bytes.append(contentsOf: Array("\t\(row.balanceAfter)\t".utf8))
            CopyText.appendBytea(hash, to: &bytes)
            bytes.append(contentsOf: Array("\t\\N".utf8))
            lines.append(start..<bytes.count)
            bytes.append(0x0A)
        }
        let stored = StoredWallet(
            balance: rows.reduce(0) { $0 + $1.amount }, count: Int64(rows.count),
            head: Hash32.exactly(rows.last?.hash ?? []), merkle: Hash32.exactly(LedgerHasher.merkleRoot(rows.map(\.hash)))
        )
        let empty = StoredWallet(balance: 0, count: 0, head: Hash32.exactly(LedgerHasher.genesis), merkle: Hash32.exactly(LedgerHasher.merkleRoot([])))
        let verifier = WalletBatchVerifier(
            stored: [(WalletKey(memberID: 1, currency: "EUR"), empty), (WalletKey(memberID: 1, currency: "USD"), stored)], listLimit: 100
        )
        return verifier.verify(bytes, lines: lines)
    }

    @Test func findsNothingInAnIntactWalletAndSumsItUpAsTransformDid() {
        let rows = rows()
        let result = verify(rows)
        #expect(result.findingCount == 0 && result.malformed == 0 && result.entries == 4)
        let usd = result.summaries.first { $0.currency == "USD" }
        #expect(usd?.headHash == rows.last?.hash)
        #expect(usd?.merkleRoot == LedgerHasher.merkleRoot(rows.map(\.hash)), "the accumulator agrees with the recursive tree")
        let eur = result.summaries.first { $0.currency == "EUR" }
        #expect(eur?.headHash == LedgerHasher.genesis && eur?.merkleRoot == LedgerHasher.merkleRoot([]), "a wallet with no entries")
        #expect(result.walletsWithoutEntries.count == 0)
    }

    @Test func refusesAStoredHashWithAByteMoreOrLess() {
        let rows = rows()
        for hash in [rows[1].hash + [0], Array(rows[1].hash.dropLast()), []] {
            var hashes = rows.map(\.hash)
            hashes[1] = hash
            let result = verify(rows, storedHashes: hashes)
            #expect(result.findings.contains { $0.seq == 2 && $0.problem.hasPrefix("entry_hash does not match") }, "\(hash.count) bytes")
            #expect(result.findings.contains { $0.seq == 3 && $0.problem.hasPrefix("entry_hash does not match") }, "the next entry's previous hash")
        }
    }

    /// Entry 2's balance raised by one and every hash from it rewritten to match: each stored
    /// entry is consistent with the one before it, but the chain recomputed from the amounts
    /// must not rejoin the stored one when the balances agree again at entry 3.
    @Test func doesNotRejoinAChainRewrittenAfterATamperedBalance() {
        let tampered = rows { seq, balance in seq == 2 ? balance + 1 : balance }
        let result = verify(tampered)
        let problems = result.findings.map { "\($0.seq.map(String.init) ?? "-"): \($0.problem)" }
        #expect(problems.contains("2: balance_after_minor is not the previous balance plus amount_minor"))
        #expect(!problems.contains { $0.contains("entry_hash does not match") }, "each stored hash matches its row")
        #expect(problems.contains("-: head_hash differs from the hash chain recomputed from its entries"))
        #expect(problems.contains("-: merkle_root differs from the Merkle root recomputed from its entries"))
    }
}
