import Foundation
import MLMMigrate

/// Vendor 1's wallet export: `wallet_transactions.csv` with amounts as PHP float text
/// (magnitudes; the type code gives the sign), times as `Y-m-d H:i:s` in Asia/Kolkata, and
/// `wallet_balances.csv` with each wallet's closing balance. Home currency INR; some USD, EUR.
struct BinaryPlanLedger {
    static let codes = ["deposit": "DEP", "commission": "COM", "transfer_in": "TIN", "reversal": "REV", "withdrawal": "WDR", "fee": "FEE", "transfer_out": "TOUT"]
    let members: Int
    let entries: Int
    let seed: UInt64
    let username: (Int) -> String
    let legacyID: (Int) -> String
    let joined: (Int) -> Int64
    /// A member the members file quarantines (its wallet rows must be quarantined too).
    let quarantinedMember: String
    /// For the later export: its changes and the gone members (their rows are left out).
    var later: (changes: LaterExport, gone: Set<Int>)?

    func write(folder: String, expectedDirectory: String) throws {
        let history = WalletHistory(members: members, entries: entries, currencies: ["INR", "USD", "EUR"], joined: joined)
        let out = try BufferedFileWriter(path: "\(folder)/wallet_transactions.csv")
        try out.write("txn_id,user,currency,type,amount,created_at,remarks\r\n")
        var last = 0
        func line(_ id: String, _ user: String, _ currency: String, _ type: String, _ amount: String, _ time: String, _ remarks: String = "") throws {
            try out.write(Windows1252.encode("\(id),\(user),\(currency),\(type),\(amount),\(time),\(remarks)\r\n"))
        }
        func txnID(_ n: Int) -> String { "TXN" + String(repeating: "0", count: max(0, 8 - String(n).count)) + String(n) }
        var firstTxn: WalletTxn?
        let gone = later?.gone ?? []
        var goneEntries = 0
        var balances = try history.generate(seed: seed) { txn in
            if firstTxn == nil { firstTxn = txn }
            last = txn.id
            guard !gone.contains(txn.member) else {
                goneEntries += 1
                return
            }
            let exponent = CurrencyTable.exponent(of: txn.currency) ?? 2
            var amount = phpFloatText(Int64(txn.amountMinor.magnitude), exponent: exponent)
            // PHP float artefacts and exponent notation, as the legacy script prints them.
            if txn.id % 997 == 0 { amount = Self.artefact(txn.amountMinor.magnitude, exponent: exponent) }
            if txn.id % 1499 == 0, txn.amountMinor.magnitude % 100 == 0 { amount = "\(txn.amountMinor.magnitude / 100)e0" }
            try line(txnID(txn.id), username(txn.member), txn.currency, Self.codes[txn.kind] ?? "DEP", amount, Self.localTime(txn.occurredUTC), txn.id % 50 == 0 ? "\"payout, weekly\"" : "")
        }
        // Defects: each row names its own fresh transaction id, except the duplicates.
        var expected: [ExpectedLedger] = []
        var next = last
        func defect(user: String? = nil, currency: String = "INR", type: String = "COM", amount: String = "10", time: String = "2024-05-01 10:00:00", reason: ReasonCode?) throws {
            next += 1
            try line(txnID(next), user ?? username(2), currency, type, amount, time)
            if let reason { expected.append(ExpectedLedger(entity: "wallet_entries", key: txnID(next), reason: reason)) }
        }
        try defect(amount: "10.005", reason: .subMinorAmount)
        try defect(amount: "\"12,50\"", reason: .unparseableAmount)
        try defect(currency: "XYZ", reason: .unknownCurrency)
        try defect(user: "nobody.here", reason: .unknownMember)
        try defect(user: quarantinedMember, amount: "75.5", reason: .memberQuarantined)
        try defect(time: "2021-02-30 10:00:00", reason: .unparseableTimestamp)
        try defect(type: "WDR", amount: "-5", reason: .unexpectedSign)
        try defect(type: "BONUSX", reason: .unknownCode)
        try defect(amount: "", reason: .requiredMissing)
        // The same transaction exported twice: the first copy loads, the second is quarantined.
        if let first = firstTxn {
            let exponent = CurrencyTable.exponent(of: first.currency) ?? 2
            try line(txnID(first.id), username(first.member), first.currency, Self.codes[first.kind] ?? "DEP",
                     phpFloatText(Int64(first.amountMinor.magnitude), exponent: exponent), Self.localTime(first.occurredUTC))
            expected.append(ExpectedLedger(entity: "wallet_entries", key: txnID(first.id), reason: .duplicateTxnID))
        }
        var newWallets: [(member: Int, currency: String, balance: Int64)] = []
        if let later {
            let deposits = later.changes.deposits(gone: gone)
            for (offset, deposit) in deposits.enumerated() {
                try line(txnID(90_000_001 + offset), username(deposit.member), "INR", "DEP", phpFloatText(deposit.amountMinor, exponent: 2), Self.localTime(deposit.occurredUTC))
            }
            newWallets = try LaterExport.settle(deposits, home: "INR", balances: &balances, gone: gone, goneEntries: goneEntries, vendor: "vendor1-binaryplan", to: expectedDirectory, members: later.changes.expectedMemberRows(gone: gone))
        }
        try out.close()

        // Balances: the legacy system's own figures, with its known faults.
        var variances: [ExpectedVariance] = []
        let balancesOut = try BufferedFileWriter(path: "\(folder)/wallet_balances.csv")
        try balancesOut.write("user,currency,balance\r\n")
        if balances.count > 3 {
            balances[1].balance += 1 // a rounding fault: one paisa too much
            variances.append(ExpectedVariance(member: legacyID(balances[1].member), currency: balances[1].currency, legacy: String(balances[1].balance)))
            let missing = balances.remove(at: 2)
            variances.append(ExpectedVariance(member: legacyID(missing.member), currency: missing.currency, legacy: "none"))
        }
        for wallet in balances + newWallets where !gone.contains(wallet.member) {
            let exponent = CurrencyTable.exponent(of: wallet.currency) ?? 2
            try balancesOut.write(Windows1252.encode("\(username(wallet.member)),\(wallet.currency),\(phpFloatText(wallet.balance, exponent: exponent))\r\n"))
        }
        if let twice = balances.last {
            let exponent = CurrencyTable.exponent(of: twice.currency) ?? 2
            try balancesOut.write(Windows1252.encode("\(username(twice.member)),\(twice.currency),\(phpFloatText(twice.balance, exponent: exponent))\r\n"))
            expected += [ExpectedLedger(entity: "wallet_balances", key: username(twice.member), reason: .duplicateBalance), ExpectedLedger(entity: "wallet_balances", key: username(twice.member), reason: .duplicateBalance)]
            variances.append(ExpectedVariance(member: legacyID(twice.member), currency: twice.currency, legacy: "none"))
        }
        try balancesOut.write("\(username(3)),KWD,25.5\r\n")
        variances.append(ExpectedVariance(member: legacyID(3), currency: "KWD", legacy: "25500"))
        try balancesOut.write("nobody.here,INR,10\r\n")
        expected.append(ExpectedLedger(entity: "wallet_balances", key: "nobody.here", reason: .unknownMember))
        try balancesOut.write("\(quarantinedMember),INR,75.5\r\n")
        expected.append(ExpectedLedger(entity: "wallet_balances", key: quarantinedMember, reason: .memberQuarantined))
        try balancesOut.close()
        try writeExpectedLedger(expected, variances: variances, vendor: "vendor1-binaryplan", to: expectedDirectory)
    }

    /// `Y-m-d H:i:s` in Asia/Kolkata (UTC+05:30, no daylight saving).
    static func localTime(_ utc: Int64) -> String {
        let local = utc + 19_800
        let (y, m, d) = UTCTimestamp.civil(fromDays: local / 86_400)
        let second = local % 86_400
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, second / 3600, second % 3600 / 60, second % 60)
    }

    /// The amount as a binary float prints with 17 significant digits (`10.199999999999999`).
    static func artefact(_ minor: UInt64, exponent: Int) -> String {
        var scale = 1.0
        for _ in 0..<exponent { scale *= 10 }
        return String(format: "%.17g", Double(minor) / scale)
    }
}
