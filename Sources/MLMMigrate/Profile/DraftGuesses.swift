/// The small tables a draft mapping guesses from: legacy codes to target values, currencies to
/// the time zone their business most likely ran in, and column-name hints. Guesses only: every
/// one lands in the draft with a comment, for a person to confirm.
enum DraftGuesses {
    /// Legacy status codes seen in MLM exports, to the target's statuses.
    static let statuses: [String: String] = [
        "1": "active", "0": "inactive", "2": "suspended", "3": "terminated",
        "a": "active", "i": "inactive", "s": "suspended", "t": "terminated", "active": "active",
        "inactive": "inactive",
        "suspended": "suspended", "terminated": "terminated", "y": "active", "n": "inactive",
    ]

    /// Legacy wallet transaction types, to ledger kinds (matched lower-cased).
    static let kinds: [String: String] = [
        "dep": "deposit", "deposit": "deposit", "credit": "deposit", "cr": "deposit", "topup": "deposit",
        "com": "commission", "comm": "commission", "commission": "commission", "bonus": "commission",
        "tin": "transfer_in", "xfer_in": "transfer_in", "transfer_in": "transfer_in", "trf_in": "transfer_in",
        "rev": "reversal", "reversal": "reversal", "refund": "reversal",
        "wdr": "withdrawal", "withdrawal": "withdrawal", "payout": "withdrawal", "wd": "withdrawal",
        "fee": "fee", "charge": "fee",
        "tout": "transfer_out", "xfer_out": "transfer_out", "transfer_out": "transfer_out",
        "trf_out": "transfer_out",
    ]

    /// Ledger kinds that take money out of a wallet.
    static let debitKinds = ["withdrawal", "fee", "transfer_out"]

    /// Placement legs by code (matched lower-cased).
    static let legs: [String: String] = ["l": "left", "r": "right", "left": "left", "right": "right"]

    /// The zone a currency's business most likely keeps its legacy clock in.
    static let zoneByCurrency: [String: String] = [
        "INR": "Asia/Kolkata", "USD": "America/New_York", "EUR": "Europe/Berlin", "GBP": "Europe/London",
        "JPY": "Asia/Tokyo", "CNY": "Asia/Shanghai", "AUD": "Australia/Sydney", "CAD": "America/Toronto",
        "BRL": "America/Sao_Paulo", "MXN": "America/Mexico_City", "ZAR": "Africa/Johannesburg",
        "NGN": "Africa/Lagos",
        "PHP": "Asia/Manila", "IDR": "Asia/Jakarta", "MYR": "Asia/Kuala_Lumpur", "THB": "Asia/Bangkok",
        "KWD": "Asia/Kuwait", "AED": "Asia/Dubai", "SAR": "Asia/Riyadh", "TRY": "Europe/Istanbul",
        "PLN": "Europe/Warsaw",
    ]

    /// True when the column's name has one of `hints` as a word (split at `_`, digits, case changes ignored).
    static func named(_ column: String, _ hints: [String]) -> Bool {
        let words = column.lowercased().split(whereSeparator: { !$0.isLetter })
        return words.contains { hints.contains(String($0)) } || hints.contains(column.lowercased())
    }
}
