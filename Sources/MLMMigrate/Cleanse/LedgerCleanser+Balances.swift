/// The balances part of the ledger Cleanse: one row per wallet, a wallet named twice keeps none.
extension LedgerCleanser {
    /// Balances: row rules, then one row per wallet in wallet order (`member<TAB>currency` as
    /// strings sort); every row of a wallet named twice is quarantined. Accepted rows are kept
    /// packed (``BalanceRows``); the few duplicates' source rows are read again for their payload.
    func cleanseBalances(
        _ paths: LedgerCleansePaths, directory: () throws(MigrationError) -> MemberDirectory, quarantine: StageFileWriter
    ) throws(MigrationError) -> EntityCounts? {
        // Written even without a balances entity: Transform reads it either way.
        let writer = try StageFileWriter(path: paths.balances, columns: LedgerStageLayout.cleansedBalances)
        guard let balances = mapping.balances, let extractPath = paths.balancesExtract else {
            try writer.close()
            return nil
        }
        var counts = EntityCounts(entity: "wallet_balances")
        let columns = MemberStageLayout.extractBookkeeping + balances.columns.map(\.field)
        let reader = try StageFileReader(path: extractPath, expecting: columns)
        var rows = BalanceRows()
        func take(_ batch: [CheckedBalance]) throws(MigrationError) {
            for checked in batch {
                counts.extracted += 1
                switch checked {
                case .quarantined(let row):
                    try quarantine.append(row)
                    counts.quarantine(row.reason)
                case .accepted(let row):
                    rows.append(row, extractRow: counts.extracted - 1)
                }
            }
        }
        // Batches of lines go through the row rules on two threads, taken back in source order.
        let pool = BatchPool<[CheckedBalance]>(workers: 2)
        while true {
            var chunk: [UInt8] = []
            guard try reader.nextLines(maxLines: 20_000, { chunk.append(contentsOf: $0) }) > 0 else { break }
            let lines = chunk
            let members = try directory()
            try pool.submit({ Self.checkBalances(lines, entity: balances, directory: members) }, deliver: take)
        }
        try pool.finish(deliver: take)
        let order = rows.walletOrder()
        /// The groups of one wallet: `order[start..<end]`.
        func groups(_ body: (ArraySlice<Int32>) throws(MigrationError) -> Void) throws(MigrationError) {
            var start = 0
            while start < order.count {
                var end = start + 1
                while end < order.count && rows.sameWallet(Int(order[start]), Int(order[end])) { end += 1 }
                try body(order[start..<end])
                start = end
            }
        }
        // Source rows of the duplicates, for the quarantine payload.
        var wanted: Set<Int> = []
        try groups { group in
            if group.count > 1 { for member in group { wanted.insert(rows.extractRow(Int(member))) } }
        }
        var duplicateRaw: [Int: [String?]] = [:]
        if !wanted.isEmpty {
            let again = try StageFileReader(path: extractPath, expecting: columns)
            var number = 0
            while let raw = try again.next() {
                if wanted.contains(number) { duplicateRaw[number] = raw }
                number += 1
            }
        }
        let memberColumn = MemberStageLayout.extractBookkeeping.count + (balances.columns.firstIndex { $0.field == "member" } ?? 0)
        try groups { group throws(MigrationError) in
            if group.count == 1, let only = group.first {
                try writer.append(rows.row(Int(only)).fields)
                counts.accepted += 1
                return
            }
            for member in group.map({ Int($0) }) {
                let row = rows.row(member)
                guard let raw = duplicateRaw[rows.extractRow(member)] else {
                    throw MigrationError(.workdirCorrupt, "\(extractPath) changed while Cleanse was reading it; run extract again")
                }
                try quarantine.append(QuarantineRow(
                    entity: "wallet_balances", source: row.source, line: row.line, legacyID: TrimText.apply(raw[memberColumn]),
                    rejection: Rejection(.duplicateBalance, column: "member", detail: "\(group.count) balance rows name this wallet"),
                    payload: Self.payload(raw, balances)
                ))
                counts.quarantine(.duplicateBalance)
            }
        }
        try writer.close()
        logger.info("cleansed wallet balances", metadata: ["accepted": "\(counts.accepted)", "quarantined": "\(counts.quarantined)"])
        return counts
    }
}

extension LedgerCleanser {
    /// What the row rules made of one balance row.
    enum CheckedBalance: Sendable {
        case accepted(CleansedBalanceRow)
        case quarantined(QuarantineRow)
    }

    /// Applies ``WalletRowRules`` to each balance line (COPY text, newline-terminated) of `lines`.
    static func checkBalances(_ lines: [UInt8], entity: EntityMapping, directory: MemberDirectory) -> [CheckedBalance] {
        var out: [CheckedBalance] = []
        let rules = WalletRowRules(entity: entity, sign: .signed, directory: directory)
        BatchLines.forEachRow(lines) { raw in
            let row = rules.apply(raw)
            let header = ExtractRecordHeader(raw)
            if let rejection = row.rejection {
                out.append(.quarantined(QuarantineRow(
                    entity: "wallet_balances", source: header.source, line: header.line, legacyID: row.memberLegacyID,
                    rejection: rejection, payload: payload(raw, entity)
                )))
            } else {
                out.append(.accepted(CleansedBalanceRow(
                    source: header.source, line: header.line, memberLegacyID: row.memberLegacyID ?? "",
                    currency: row.currency ?? "", balanceMinor: row.amountMinor
                )))
            }
        }
        return out
    }
}

/// Accepted balance rows, packed (about 45 bytes a row): the wallet key `member<TAB>currency`,
/// the source line, the balance and the row's number in the extract file.
struct BalanceRows {
    private var keys = PackedStrings()
    private var currencies = CodedTexts()
    private var sources = SourceRuns()
    private var lines = PackedStrings()
    private var balances: [Int64] = []
    private var hasBalance = PackedBits()
    private var extractRows: [Int32] = []
    private var bigExtractRows: [Int: Int] = [:]

    var count: Int { balances.count }

    mutating func append(_ row: CleansedBalanceRow, extractRow: Int) {
        let member = row.memberLegacyID ?? ""
        let currency = row.currency ?? ""
        keys.append("\(member)\t\(currency)")
        currencies.append(currency)
        sources.append(row.source, row: count)
        lines.append(row.line)
        balances.append(row.balanceMinor ?? 0)
        hasBalance.append(row.balanceMinor != nil)
        if let small = Int32(exactly: extractRow) {
            extractRows.append(small)
        } else {
            extractRows.append(-1)
            bigExtractRows[count - 1] = extractRow
        }
    }

    func extractRow(_ index: Int) -> Int {
        extractRows[index] >= 0 ? Int(extractRows[index]) : bigExtractRows[index] ?? -1
    }

    /// The row as it was appended.
    func row(_ index: Int) -> CleansedBalanceRow {
        let key = keys[index] ?? ""
        let currency = currencies[index] ?? ""
        let member = String(decoding: key.utf8.dropLast(currency.utf8.count + 1), as: UTF8.self)
        return CleansedBalanceRow(
            source: sources.source(of: index), line: lines[index] ?? "", memberLegacyID: member,
            currency: currency, balanceMinor: hasBalance[index] ? balances[index] : nil
        )
    }

    /// Row numbers in wallet order: keys as strings sort (`String <`), a wallet's rows in
    /// source order.
    func walletOrder() -> [Int32] {
        var order = (0..<count).map { Int32($0) }
        keys.withAllBytes { key in
            order.sort { a, b in
                let (left, right) = (key(Int(a)), key(Int(b)))
                if PackedStrings.precedes(left, right) { return true }
                if PackedStrings.precedes(right, left) { return false }
                return a < b
            }
        }
        return order
    }

    /// Whether two rows name one wallet (their keys equal as strings).
    func sameWallet(_ a: Int, _ b: Int) -> Bool { keys.equals(a, b) }
}
