/// ISO 4217 minor-unit exponents: how many decimal places a currency's minor unit has
/// (USD 2: cents; JPY 0; KWD 3: fils). Amounts are stored as integers in minor units.
public enum CurrencyTable {
    /// Exponent per alphabetic code, from ISO 4217 (amendment list as of 2024). Codes of funds
    /// and precious metals are omitted on purpose: an MLM wallet never holds them.
    public static let exponents: [String: Int] = {
        var table: [String: Int] = [:]
        for code in zeroDecimal { table[code] = 0 }
        for code in threeDecimal { table[code] = 3 }
        for code in twoDecimal { table[code] = 2 }
        table["CLF"] = 4
        table["UYW"] = 4
        return table
    }()

    /// The exponent of `code` (upper-case ISO 4217), or nil for a code it does not know.
    public static func exponent(of code: String) -> Int? { exponents[code] }

    static let zeroDecimal = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
        "XAF", "XOF", "XPF",
    ]
    static let threeDecimal = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]
    static let twoDecimal = [
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BMD", "BND",
        "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CNY", "COP", "CRC", "CUP", "CVE", "CZK",
        "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD",
        "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK",
        "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN",
        "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON",
        "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
        "SZL", "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "VES", "WST", "XCD",
        "YER", "ZAR", "ZMW", "ZWG",
    ]
}
