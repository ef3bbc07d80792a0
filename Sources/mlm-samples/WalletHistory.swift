import MLMMigrate

/// One clean synthetic wallet transaction, in canonical terms (the vendors write it their way).
struct WalletTxn {
    var id: Int
    /// The member's number in the clean members (1-based).
    var member: Int
    var currency: String
    /// deposit, commission, transfer_in, reversal (credits); withdrawal, fee, transfer_out (debits).
    var kind: String
    /// Signed minor units.
    var amountMinor: Int64
    var occurredUTC: Int64
}

/// Generates clean wallet histories member by member, streaming (no list of all entries is
/// kept), and the true closing balance of each wallet.
struct WalletHistory {
    static let credits = ["deposit", "commission", "commission", "commission", "transfer_in", "reversal"]
    static let debits = ["withdrawal", "fee", "transfer_out"]

    let members: Int
    let entries: Int
    /// Currencies with their weight: the first is every member's home currency.
    let currencies: [String]
    let joined: (Int) -> Int64

    /// Calls `emit` for every transaction in member order (and time order within a member),
    /// then returns every wallet's balance keyed by (member, currency).
    func generate(seed: UInt64, _ emit: (WalletTxn) throws -> Void) rethrows -> [(member: Int, currency: String, balance: Int64)] {
        var random = SeededRandom(seed: seed)
        var balances: [(member: Int, currency: String, balance: Int64)] = []
        var id = 0
        let perMember = max(1, entries / max(1, members))
        var remaining = entries
        for member in 1...members where remaining > 0 {
            let count = min(remaining, member == members ? remaining : perMember)
            remaining -= count
            var clock = joined(member) + 3_600
            var wallet: [String: Int64] = [:]
            var order: [String] = []
            for _ in 0..<count {
                let currency = random.below(8) == 0 ? currencies[1 + random.below(currencies.count - 1)] : currencies[0]
                if wallet[currency] == nil { order.append(currency); wallet[currency] = 0 }
                let exponent = CurrencyTable.exponent(of: currency) ?? 2
                let scale: Int64 = exponent == 0 ? 1 : (exponent == 3 ? 1000 : 100)
                var magnitude = Int64(1 + random.below(500)) * scale + (exponent == 0 ? 0 : Int64(random.below(Int(scale))))
                var kind = Self.credits[random.below(Self.credits.count)]
                if random.below(3) == 0, let balance = wallet[currency], balance > scale {
                    kind = Self.debits[random.below(Self.debits.count)]
                    magnitude = min(magnitude, balance / 2)
                }
                let signed = Self.debits.contains(kind) ? -magnitude : magnitude
                wallet[currency, default: 0] += signed
                clock += 60 + Int64(random.below(86_400 * 3))
                id += 1
                try emit(WalletTxn(id: id, member: member, currency: currency, kind: kind, amountMinor: signed, occurredUTC: clock))
            }
            for currency in order { balances.append((member, currency, wallet[currency] ?? 0)) }
        }
        return balances
    }
}

/// One expected ledger outcome: a quarantined row (entity, key, reason) of the samples.
struct ExpectedLedger {
    var entity: String
    var key: String
    var reason: ReasonCode
}

/// One expected balance variance: the wallet and its legacy balance (`none` when missing).
struct ExpectedVariance {
    var member: String
    var currency: String
    var legacy: String
}

func writeExpectedLedger(_ entries: [ExpectedLedger], variances: [ExpectedVariance], vendor: String, to directory: String) throws {
    let quarantine = "entity\tkey\treason\n" + entries.map { "\($0.entity)\t\($0.key)\t\($0.reason.rawValue)\n" }.joined()
    let varianceText = "member\tcurrency\tlegacy_balance_minor\n" + variances.map { "\($0.member)\t\($0.currency)\t\($0.legacy)\n" }.joined()
    let writer = try BufferedFileWriter(path: "\(directory)/expected/\(vendor)-ledger.tsv")
    try writer.write(quarantine)
    try writer.close()
    let variancesWriter = try BufferedFileWriter(path: "\(directory)/expected/\(vendor)-variances.tsv")
    try variancesWriter.write(varianceText)
    try variancesWriter.close()
}

/// Formats minor units the way PHP prints a float amount: no trailing zeros, no point when whole.
func phpFloatText(_ minor: Int64, exponent: Int) -> String {
    let negative = minor < 0
    let magnitude = minor.magnitude
    var scale: UInt64 = 1
    for _ in 0..<exponent { scale *= 10 }
    var text = String(magnitude / scale)
    if exponent > 0, magnitude % scale != 0 {
        var fraction = String(magnitude % scale)
        fraction = String(repeating: "0", count: exponent - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        text += "." + fraction
    }
    return (negative ? "-" : "") + text
}
