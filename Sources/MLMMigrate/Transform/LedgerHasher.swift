import Crypto

/// The ledger's hashes, as specified in docs/ledger-hashing.md: each entry's canonical
/// encoding, the per-wallet hash chain, the per-wallet Merkle root and the run digest.
/// Every byte layout here is part of the auditor contract: change it only with a new version.
public enum LedgerHasher {
    /// Version byte that starts every entry encoding.
    public static let encodingVersion: UInt8 = 1
    /// The previous hash of a wallet's first entry.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// The canonical bytes of `entry` (version 1).
    public static func encode(_ entry: LedgerEntry) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(53 + entry.currency.utf8.count + entry.legacyTxnID.utf8.count + entry.kind.utf8.count)
        out.append(encodingVersion)
        appendUInt64(UInt64(bitPattern: entry.memberID), to: &out)
        appendText(entry.currency, to: &out)
        appendUInt64(UInt64(bitPattern: entry.seq), to: &out)
        appendText(entry.legacyTxnID, to: &out)
        appendText(entry.kind, to: &out)
        appendUInt64(UInt64(bitPattern: entry.amountMinor), to: &out)
        appendUInt64(UInt64(bitPattern: entry.occurredAt), to: &out)
        appendUInt64(UInt64(bitPattern: entry.balanceAfterMinor), to: &out)
        return out
    }

    /// SHA-256(previous hash ‖ canonical bytes of entry). The bytes are those of ``encode(_:)``,
    /// laid out in a buffer on the stack: this runs once or twice per entry in Transform and
    /// in every read-back.
    public static func entryHash(_ entry: LedgerEntry, previous: [UInt8]) -> [UInt8] {
        var hasher = previous.withUnsafeBytes { entryHasher(entry, previous: $0) }
        return hasher.finalize()
    }

    /// ``entryHash(_:previous:)`` held inline (no allocation): Transform's, once per entry.
    static func entryHash(_ entry: LedgerEntry, previous: Hash32) -> Hash32 {
        var hasher = previous.withUnsafeBytes { entryHasher(entry, previous: $0) }
        return hasher.finalizeHash()
    }

    private static func entryHasher(_ entry: LedgerEntry, previous: UnsafeRawBufferPointer) -> SHA256Hasher {
        var (currency, txnID, kind) = (entry.currency, entry.legacyTxnID, entry.kind)
        return currency.withUTF8 { currency in
            txnID.withUTF8 { txnID in
                kind.withUTF8 { kind in
                    entryHasher(
                        memberID: entry.memberID, currency: currency, seq: entry.seq, legacyTxnID: txnID, kind: kind,
                        amountMinor: entry.amountMinor, occurredAt: entry.occurredAt, balanceAfterMinor: entry.balanceAfterMinor,
                        previous: previous
                    )
                }
            }
        }
    }

    /// ``entryHash(_:previous:)`` of an entry whose texts are given as UTF-8 bytes (the
    /// read-back's, straight from the rows it reads).
    static func entryHash(
        memberID: Int64, currency: UnsafeBufferPointer<UInt8>, seq: Int64, legacyTxnID txnID: UnsafeBufferPointer<UInt8>,
        kind: UnsafeBufferPointer<UInt8>, amountMinor: Int64, occurredAt: Int64, balanceAfterMinor: Int64, previous: [UInt8]
    ) -> [UInt8] {
        var hasher = previous.withUnsafeBytes { previous in
            entryHasher(
                memberID: memberID, currency: currency, seq: seq, legacyTxnID: txnID, kind: kind, amountMinor: amountMinor,
                occurredAt: occurredAt, balanceAfterMinor: balanceAfterMinor, previous: previous
            )
        }
        return hasher.finalize()
    }

    /// ``entryHash(memberID:currency:seq:legacyTxnID:kind:amountMinor:occurredAt:balanceAfterMinor:previous:)``
    /// held inline (no allocation), the previous hash given as bytes: the read-back's.
    static func entryHash(
        memberID: Int64, currency: UnsafeBufferPointer<UInt8>, seq: Int64, legacyTxnID txnID: UnsafeBufferPointer<UInt8>,
        kind: UnsafeBufferPointer<UInt8>, amountMinor: Int64, occurredAt: Int64, balanceAfterMinor: Int64,
        previous: UnsafeRawBufferPointer
    ) -> Hash32 {
        var hasher = entryHasher(
            memberID: memberID, currency: currency, seq: seq, legacyTxnID: txnID, kind: kind, amountMinor: amountMinor,
            occurredAt: occurredAt, balanceAfterMinor: balanceAfterMinor, previous: previous
        )
        return hasher.finalizeHash()
    }

    /// A hasher fed the previous hash and the entry's canonical bytes, to be finalized.
    private static func entryHasher(
        memberID: Int64, currency: UnsafeBufferPointer<UInt8>, seq: Int64, legacyTxnID txnID: UnsafeBufferPointer<UInt8>,
        kind: UnsafeBufferPointer<UInt8>, amountMinor: Int64, occurredAt: Int64, balanceAfterMinor: Int64,
        previous: UnsafeRawBufferPointer
    ) -> SHA256Hasher {
        var hasher = SHA256Hasher()
        hasher.update(previous)
        let count = 53 + currency.count + txnID.count + kind.count
        withUnsafeTemporaryAllocation(byteCount: count, alignment: 1) { buffer in
            var at = 0
            func put(_ value: UInt64) {
                buffer.storeBytes(of: value.bigEndian, toByteOffset: at, as: UInt64.self)
                at += 8
            }
            func put(_ text: UnsafeBufferPointer<UInt8>) {
                buffer.storeBytes(of: UInt32(truncatingIfNeeded: text.count).bigEndian, toByteOffset: at, as: UInt32.self)
                at += 4
                UnsafeMutableRawBufferPointer(rebasing: buffer[at...]).copyMemory(from: UnsafeRawBufferPointer(text))
                at += text.count
            }
            buffer[0] = encodingVersion
            at = 1
            put(UInt64(bitPattern: memberID))
            put(currency)
            put(UInt64(bitPattern: seq))
            put(txnID)
            put(kind)
            put(UInt64(bitPattern: amountMinor))
            put(UInt64(bitPattern: occurredAt))
            put(UInt64(bitPattern: balanceAfterMinor))
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<at]))
        }
        return hasher
    }

    /// The chain of hashes for a wallet's entries in seq order.
    public static func chain(_ entries: [LedgerEntry]) -> [UInt8] {
        entries.reduce(genesis) { entryHash($1, previous: $0) }
    }

    /// The RFC 6962 Merkle tree hash over entry hashes in seq order: a leaf is
    /// SHA-256(0x00 ‖ entry hash), a node SHA-256(0x01 ‖ left ‖ right), and n leaves split
    /// at the largest power of two below n. No entries: SHA-256 of nothing.
    public static func merkleRoot(_ leaves: [[UInt8]]) -> [UInt8] {
        guard !leaves.isEmpty else { return SHA256Hasher.hash([]) }
        return merkle(leaves[...])
    }

    private static func merkle(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        if leaves.count == 1, let leaf = leaves.first {
            return SHA256Hasher.hash([0x00] + leaf)
        }
        var split = 1
        while split * 2 < leaves.count { split *= 2 }
        let middle = leaves.startIndex + split
        return SHA256Hasher.hash([0x01] + merkle(leaves[..<middle]) + merkle(leaves[middle...]))
    }

    /// A wallet's figures as they enter the run digest.
    public struct WalletSummary: Sendable, Equatable {
        public var memberID: Int64
        public var currency: String
        public var entryCount: Int64
        public var balanceMinor: Int64
        /// Held inline (``Hash32``): Transform and Reconcile keep one summary per wallet.
        private var head: Hash32
        private var root: Hash32
        public var headHash: [UInt8] {
            get { head.bytes }
            set { head = Hash32(newValue) }
        }
        public var merkleRoot: [UInt8] {
            get { root.bytes }
            set { root = Hash32(newValue) }
        }

        /// The same, from hashes held inline.
        init(memberID: Int64, currency: String, entryCount: Int64, balanceMinor: Int64, head: Hash32, root: Hash32) {
            self.memberID = memberID
            self.currency = currency
            self.entryCount = entryCount
            self.balanceMinor = balanceMinor
            self.head = head
            self.root = root
        }

        /// `headHash` and `merkleRoot` are SHA-256 hashes (32 bytes).
        public init(memberID: Int64, currency: String, entryCount: Int64, balanceMinor: Int64, headHash: [UInt8], merkleRoot: [UInt8]) {
            self.memberID = memberID
            self.currency = currency
            self.entryCount = entryCount
            self.balanceMinor = balanceMinor
            self.head = Hash32(headHash)
            self.root = Hash32(merkleRoot)
        }
    }

    /// SHA-256 over every wallet in (member id, currency) order: member id, currency, entry
    /// count, balance, head hash and Merkle root of each.
    public static func runDigest(_ wallets: [WalletSummary]) -> [UInt8] {
        var digest = RunDigest()
        for wallet in wallets.sorted(by: RunDigest.precedes) { digest.add(wallet) }
        return digest.finalize()
    }

    /// ``runDigest(_:)`` fed one wallet at a time, already in (member id, currency) order
    /// (``precedes(_:_:)``), so no list of every wallet is kept.
    public struct RunDigest {
        private var hasher = SHA256()
        private var bytes: [UInt8] = []

        public init() {}

        /// The order of the run digest: member id, then currency.
        public static func precedes(_ a: WalletSummary, _ b: WalletSummary) -> Bool {
            (a.memberID, a.currency) < (b.memberID, b.currency)
        }

        public mutating func add(_ wallet: WalletSummary) {
            bytes.removeAll(keepingCapacity: true)
            appendUInt64(UInt64(bitPattern: wallet.memberID), to: &bytes)
            appendText(wallet.currency, to: &bytes)
            appendUInt64(UInt64(bitPattern: wallet.entryCount), to: &bytes)
            appendUInt64(UInt64(bitPattern: wallet.balanceMinor), to: &bytes)
            bytes += wallet.headHash
            bytes += wallet.merkleRoot
            hasher.update(data: bytes)
        }

        public func finalize() -> [UInt8] { Array(hasher.finalize()) }
    }

    /// Appends `value` as 8 big-endian bytes.
    @inline(__always)
    static func appendUInt64(_ value: UInt64, to out: inout [UInt8]) {
        // One append of the 8 bytes (a byte at a time checked capacity and uniqueness 8 times).
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    /// A 4-byte big-endian length, then the UTF-8 bytes.
    fileprivate static func appendText(_ text: String, to out: inout [UInt8]) {
        let bytes = Array(text.utf8)
        let length = UInt32(truncatingIfNeeded: bytes.count)
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        out.append(contentsOf: bytes)
    }
}
