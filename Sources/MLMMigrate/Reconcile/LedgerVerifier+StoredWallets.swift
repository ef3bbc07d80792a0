import Foundation

/// `mlm.wallets` as read for a verification, spilled to a scratch file in (member id, currency)
/// order and read back a member range at a time beside the entries, so no table of every stored
/// wallet is kept. The file holds ids, balances and hashes only (no PII) and is removed when
/// the stream is.
final class StoredWalletStream {
    typealias Wallet = (key: WalletKey, row: StoredWallet)
    private let path: String
    private var writer: StageFileWriter?
    private var reader: StageFileReader?
    private var pending: Wallet?
    /// Wallet rows kept (the malformed ones are counted by the caller, not kept).
    private(set) var count = 0

    init() throws(MigrationError) {
        let directory = NSTemporaryDirectory()
        path = directory + (directory.hasSuffix("/") ? "" : "/") + "mlm-migrate-wallets-\(getpid())-\(UInt64.random(in: 0 ... .max)).tsv"
        writer = try StageFileWriter(path: path, columns: Self.columns)
    }

    deinit { unlink(path) }

    private static let columns = [
        "member_id", "currency", "balance_minor", "entry_count", "head_hash", "merkle_root", "legacy_balance_minor",
    ]

    /// A wallet row as COPY text (its newline included); false when it is not one.
    func append(copyLine bytes: UnsafeRawBufferPointer) throws(MigrationError) -> Bool {
        guard Self.parse(CopyText.decodeRow(copyLine: bytes)) != nil else { return false }
        try writer?.append(encodedLine: bytes)
        count += 1
        return true
    }

    /// Call once every row is in: reading starts.
    func finishWriting() throws(MigrationError) {
        try writer?.close()
        writer = nil
        reader = try StageFileReader(path: path, expecting: Self.columns)
        pending = try read()
    }

    /// The next wallets in order while their member id is at most `memberID` (all, for nil).
    func take(through memberID: Int64?) throws(MigrationError) -> [Wallet] {
        var taken: [Wallet] = []
        while let wallet = pending, memberID.map({ wallet.key.memberID <= $0 }) ?? true {
            taken.append(wallet)
            pending = try read()
        }
        return taken
    }

    private func read() throws(MigrationError) -> Wallet? {
        guard let fields = try reader?.next() else { return nil }
        guard let wallet = Self.parse(fields) else {
            throw MigrationError(.workdirCorrupt, "\(path): line \(reader?.lineNumber ?? 0) changed since it was written")
        }
        return wallet
    }

    private static func parse(_ fields: [String?]) -> Wallet? {
        guard fields.count == 7, let memberID = fields[0].flatMap({ Int64($0) }), let currency = fields[1],
              let balance = fields[2].flatMap({ Int64($0) }), let count = fields[3].flatMap({ Int64($0) }) else { return nil }
        return (WalletKey(memberID: memberID, currency: currency), StoredWallet(
            balance: balance, count: count, head: fields[4].flatMap(LedgerVerifier.bytea).flatMap(Hash32.exactly),
            merkle: fields[5].flatMap(LedgerVerifier.bytea).flatMap(Hash32.exactly)
        ))
    }
}
