/// The hashing half of the ledger Transform, on batches of whole wallets so it can run on
/// several threads while the merge reads on (see ``BatchPool``).
extension LedgerTransformer {
    /// Sorted records (sort key and payload) of whole wallets, packed in one buffer.
    struct WalletBatch: Sendable {
        var bytes: [UInt8] = []
        var records: [(key: Range<Int>, payload: Range<Int>)] = []
    }

    /// The encoded `wallet_entries` rows of a batch and the summary of each wallet in it.
    struct HashedBatch: Sendable {
        var lines: [UInt8] = []
        var rows = 0
        var wallets: [LedgerHasher.WalletSummary] = []
        var problem: MigrationError?
        /// Where a running balance left the 64-bit range: the wallet and the legacy transaction.
        var overflow: (memberID: Int64, currency: String, legacyTxnID: String)?
    }

    /// Numbers the batch's entries per wallet, keeps the running balance, chains the hashes and
    /// builds each wallet's Merkle root. A record's key is member id (8 bytes), currency, 0, the
    /// time with its sign bit flipped (8 bytes), transaction id; its payload the amount (8 bytes,
    /// native order), the counterparty's member id (8 bytes, -1 for none) and the kind.
    static func hash(_ batch: WalletBatch) -> HashedBatch {
        var out = HashedBatch()
        out.lines.reserveCapacity(batch.bytes.count * 2)
        var current: WalletKey?
        var head = Hash32()
        var merkle = MerkleAccumulator()
        var balance: Int64 = 0
        func closeWallet() {
            guard let wallet = current else { return }
            out.wallets.append(LedgerHasher.WalletSummary(
                memberID: wallet.memberID, currency: wallet.currency, entryCount: Int64(merkle.count),
                balanceMinor: balance, head: head, root: merkle.rootHash
            ))
        }
        batch.bytes.withUnsafeBufferPointer { all in
            for record in batch.records {
                let sortKey = all[record.key]
                let payload = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(all)[record.payload])
                guard sortKey.count >= 17, payload.count >= 16, let zero = sortKey[sortKey.startIndex + 8 ..< sortKey.endIndex].firstIndex(of: 0),
                      sortKey.endIndex >= zero + 9 else {
                    out.problem = MigrationError(.workdirCorrupt, "a wallet entry lost its fields in the sort; run transform again")
                    return
                }
                var memberID: UInt64 = 0
                for byte in sortKey.prefix(8) { memberID = memberID << 8 | UInt64(byte) }
                var flippedTime: UInt64 = 0
                for byte in all[(zero + 1)..<(zero + 9)] { flippedTime = flippedTime << 8 | UInt64(byte) }
                let occurredAt = Int64(bitPattern: flippedTime ^ (1 << 63))
                let amount = payload.loadUnaligned(as: Int64.self)
                let counterparty = payload.loadUnaligned(fromByteOffset: 8, as: Int64.self)
                let currency = String(decoding: all[(sortKey.startIndex + 8)..<zero], as: UTF8.self)
                let wallet = WalletKey(memberID: Int64(bitPattern: memberID), currency: currency)
                if wallet != current {
                    closeWallet()
                    current = wallet
                    head = Hash32()
                    merkle = MerkleAccumulator()
                    balance = 0
                }
                let (sum, overflow) = balance.addingReportingOverflow(amount)
                guard !overflow else {
                    let txnID = String(decoding: all[(zero + 9)..<sortKey.endIndex], as: UTF8.self)
                    out.overflow = (wallet.memberID, wallet.currency, txnID)
                    return
                }
                balance = sum
                let entry = LedgerEntry(
                    memberID: wallet.memberID, currency: wallet.currency, seq: Int64(merkle.count + 1),
                    legacyTxnID: String(decoding: all[(zero + 9)..<sortKey.endIndex], as: UTF8.self),
                    kind: String(decoding: payload[16...], as: UTF8.self), amountMinor: amount, occurredAt: occurredAt, balanceAfterMinor: balance,
                    counterpartyID: counterparty >= 0 ? counterparty : nil
                )
                head = LedgerHasher.entryHash(entry, previous: head)
                merkle.append(head)
                appendRow(entry, head: head, to: &out.lines)
                out.rows += 1
            }
        }
        closeWallet()
        return out
    }

    /// One `mlm.wallet_entries` row in COPY text, written straight as bytes (``CopyTextWriter``,
    /// room for the whole row reserved once).
    static func appendRow(_ entry: LedgerEntry, head: Hash32, to line: inout [UInt8]) {
        var (currency, txnID, kind) = (entry.currency, entry.legacyTxnID, entry.kind)
        currency.withUTF8 { currency in
            txnID.withUTF8 { txnID in
                kind.withUTF8 { kind in
                    // Five numbers, three texts (escaped: twice their bytes), a timestamp, the
                    // hash in hex, nine tabs and the newline.
                    let bound = 5 * CopyTextWriter.decimalBound + 2 * (currency.count + txnID.count + kind.count)
                        + UTCTimestamp.textBound + 3 + 2 * 32 + 10
                    line.appendWritten(bound: bound) { out in
                        func tab(_ at: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
                            at.pointee = 0x09
                            return at + 1
                        }
                        var at = tab(CopyTextWriter.decimal(entry.memberID, at: out))
                        at = tab(CopyTextWriter.field(UnsafeRawBufferPointer(currency), at: at))
                        at = tab(CopyTextWriter.decimal(entry.seq, at: at))
                        at = tab(CopyTextWriter.field(UnsafeRawBufferPointer(txnID), at: at))
                        at = tab(CopyTextWriter.field(UnsafeRawBufferPointer(kind), at: at))
                        at = tab(CopyTextWriter.decimal(entry.amountMinor, at: at))
                        at = tab(UTCTimestamp.write(micros: entry.occurredAt, at: at))
                        at = tab(CopyTextWriter.decimal(entry.balanceAfterMinor, at: at))
                        at = tab(head.withUnsafeBytes { CopyTextWriter.bytea($0, at: at) })
                        at = if let counterparty = entry.counterpartyID { CopyTextWriter.decimal(counterparty, at: at) } else { CopyTextWriter.null(at: at) }
                        at.pointee = 0x0A
                        return at + 1
                    }
                }
            }
        }
    }
}
