import CSQLite
import Foundation
import MLMMigrate

/// Vendor 2's wallet tables in the same SQLite file: `wallet_txn` with signed integer minor
/// units and epoch-second times, and `wallet_balance`. Home currency USD; some EUR, JPY, KWD.
struct MatrixLedger {
    static let codes = ["deposit": "CREDIT", "commission": "COMMISSION", "transfer_in": "XFER_IN", "reversal": "REVERSAL", "withdrawal": "PAYOUT", "fee": "FEE", "transfer_out": "XFER_OUT"]
    let members: Int
    let entries: Int
    let seed: UInt64
    let joined: (Int) -> Int64
    let quarantinedMember: Int
    /// For the later export: its changes and the gone members (their rows are left out).
    var later: (changes: LaterExport, gone: Set<Int>)?

    func write(path: String, expectedDirectory: String) throws {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw MigrationError(.samplesSQLite, "cannot open \(path)") }
        defer { sqlite3_close(db) }
        let schema = """
            CREATE TABLE wallet_txn (txn_no INTEGER, dist_id INTEGER, ccy TEXT, txn_type TEXT, amount_cents INTEGER, posted_at INTEGER);
            CREATE TABLE wallet_balance (dist_id INTEGER, ccy TEXT, balance_cents INTEGER);
            BEGIN;
            """
        guard sqlite3_exec(db, schema, nil, nil, nil) == SQLITE_OK else { throw MigrationError(.samplesSQLite, "cannot create the wallet tables") }
        var statement: OpaquePointer?
        sqlite3_prepare_v2(db, "INSERT INTO wallet_txn VALUES (?,?,?,?,?,?)", -1, &statement, nil)
        func bind(_ index: Int32, _ value: Any?) {
            switch value {
            case let number as Int64: sqlite3_bind_int64(statement, index, number)
            case let number as Int: sqlite3_bind_int64(statement, index, Int64(number))
            case let text as String: mlm_sqlite3_bind_text_transient(statement, index, text, -1)
            default: sqlite3_bind_null(statement, index)
            }
        }
        func insert(_ values: [Any?]) throws {
            sqlite3_reset(statement)
            for (index, value) in values.enumerated() { bind(Int32(index + 1), value) }
            guard sqlite3_step(statement) == SQLITE_DONE else { throw MigrationError(.samplesSQLite, "insert failed") }
        }
        let history = WalletHistory(members: members, entries: entries, currencies: ["USD", "EUR", "JPY", "KWD"], joined: joined)
        var firstTxn: WalletTxn?
        var last = 0
        let gone = later?.gone ?? []
        var goneEntries = 0
        var balances = try history.generate(seed: seed) { txn in
            if firstTxn == nil { firstTxn = txn }
            last = txn.id
            guard !gone.contains(txn.member) else {
                goneEntries += 1
                return
            }
            try insert([txn.id, txn.member, txn.currency, Self.codes[txn.kind], txn.amountMinor, txn.occurredUTC])
        }
        var expected: [ExpectedLedger] = []
        var variances: [ExpectedVariance] = []
        var next = last
        func defect(member: Int = 2, currency: String = "USD", type: String? = "COMMISSION", amount: Any? = Int64(1000), time: Any? = Int64(1_714_557_600), reason: ReasonCode) throws {
            next += 1
            try insert([next, member, currency, type, amount, time])
            expected.append(ExpectedLedger(entity: "wallet_entries", key: String(next), reason: reason))
        }
        try defect(amount: "12.5", reason: .subMinorAmount)
        try defect(amount: "abc", reason: .unparseableAmount)
        try defect(amount: "99999999999999999999", reason: .amountOutOfRange)
        try defect(currency: "BTC", reason: .unknownCurrency)
        try defect(member: 9_999_999, reason: .unknownMember)
        try defect(member: quarantinedMember, reason: .memberQuarantined)
        try defect(time: Int64(-2_500_000_000), reason: .timestampOutOfRange)
        try defect(type: nil, reason: .requiredMissing)
        // Two different transactions under one number: neither can be trusted (quarantine_all),
        // so the wallet of the first no longer adds up to its legacy balance.
        if let first = firstTxn {
            try insert([first.id, first.member, first.currency, Self.codes["fee"], Int64(-1), first.occurredUTC + 60])
            expected += [ExpectedLedger(entity: "wallet_entries", key: String(first.id), reason: .duplicateTxnID), ExpectedLedger(entity: "wallet_entries", key: String(first.id), reason: .duplicateTxnID)]
            if let index = balances.firstIndex(where: { $0.member == first.member && $0.currency == first.currency }) {
                variances.append(ExpectedVariance(member: String(first.member), currency: first.currency, legacy: String(balances[index].balance)))
            }
        }
        var newWallets: [(member: Int, currency: String, balance: Int64)] = []
        if let later {
            let deposits = later.changes.deposits(gone: gone)
            for (offset, deposit) in deposits.enumerated() {
                try insert([90_000_001 + offset, deposit.member, "USD", Self.codes["deposit"], deposit.amountMinor, deposit.occurredUTC])
            }
            newWallets = try LaterExport.settle(deposits, home: "USD", balances: &balances, gone: gone, goneEntries: goneEntries, vendor: "vendor2-mlmsoft", to: expectedDirectory, members: later.changes.expectedMemberRows(gone: gone))
        }
        sqlite3_finalize(statement)
        sqlite3_prepare_v2(db, "INSERT INTO wallet_balance VALUES (?,?,?)", -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        if balances.count > 8 {
            let fault = balances.count / 2
            balances[fault].balance -= 1
            variances.append(ExpectedVariance(member: String(balances[fault].member), currency: balances[fault].currency, legacy: String(balances[fault].balance)))
            let missing = balances.remove(at: fault + 1)
            variances.append(ExpectedVariance(member: String(missing.member), currency: missing.currency, legacy: "none"))
        }
        for wallet in balances + newWallets where !gone.contains(wallet.member) { try insert([wallet.member, wallet.currency, wallet.balance]) }
        if let twice = balances.last {
            try insert([twice.member, twice.currency, twice.balance + 5])
            expected += [ExpectedLedger(entity: "wallet_balances", key: String(twice.member), reason: .duplicateBalance), ExpectedLedger(entity: "wallet_balances", key: String(twice.member), reason: .duplicateBalance)]
            variances.append(ExpectedVariance(member: String(twice.member), currency: twice.currency, legacy: "none"))
        }
        try insert([9_999_999, "USD", Int64(100)])
        expected.append(ExpectedLedger(entity: "wallet_balances", key: "9999999", reason: .unknownMember))
        try insert([quarantinedMember, "USD", Int64(100)])
        expected.append(ExpectedLedger(entity: "wallet_balances", key: String(quarantinedMember), reason: .memberQuarantined))
        sqlite3_exec(db, "COMMIT", nil, nil, nil)
        try writeExpectedLedger(expected, variances: variances, vendor: "vendor2-mlmsoft", to: expectedDirectory)
    }
}
