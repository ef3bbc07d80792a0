/// Rows of one ledger entity: extracted, accepted, quarantined (per reason).
public struct EntityCounts: Codable, Sendable, Equatable {
    public var entity: String
    public var extracted = 0
    public var accepted = 0
    public var quarantined = 0
    public var quarantinedByReason: [String: Int] = [:]

    public init(entity: String, accepted: Int = 0, quarantinedByReason: [String: Int] = [:]) {
        self.entity = entity
        self.accepted = accepted
        self.quarantinedByReason = quarantinedByReason
        self.quarantined = quarantinedByReason.values.reduce(0, +)
    }

    mutating func quarantine(_ reason: ReasonCode) {
        quarantined += 1
        quarantinedByReason[reason.rawValue, default: 0] += 1
    }
}

/// Control totals of one currency in signed minor units: every valued source entry, and the
/// quarantined ones. Totals are decimal strings because a sum can outgrow 64 bits.
public struct CurrencyTotals: Codable, Sendable, Equatable {
    public var currency: String
    public var sourceEntries: Int
    public var sourceMinor: String
    public var quarantinedEntries: Int
    public var quarantinedMinor: String

    public init(currency: String, sourceEntries: Int, sourceMinor: String, quarantinedEntries: Int, quarantinedMinor: String) {
        self.currency = currency
        self.sourceEntries = sourceEntries
        self.sourceMinor = sourceMinor
        self.quarantinedEntries = quarantinedEntries
        self.quarantinedMinor = quarantinedMinor
    }
}

/// Adds up control totals per currency with 128-bit sums.
public struct LedgerTotals: Sendable {
    private var sums: [String: (source: Int, sourceMinor: Int128, quarantined: Int, quarantinedMinor: Int128)] = [:]

    public init() {}

    public mutating func addSource(_ currency: String, _ minor: Int64) {
        Self.update(&sums[currency, default: (0, 0, 0, 0)]) { $0.source += 1; $0.sourceMinor += Int128(minor) }
    }

    public mutating func addQuarantined(_ currency: String, _ minor: Int64) {
        Self.update(&sums[currency, default: (0, 0, 0, 0)]) { $0.quarantined += 1; $0.quarantinedMinor += Int128(minor) }
    }

    /// One look-up of the currency per row (each `sums[code, default:]` hashes the code).
    @inline(__always)
    private static func update<Sums>(_ sums: inout Sums, _ body: (inout Sums) -> Void) { body(&sums) }

    /// Adds another set of totals (of other rows) to these.
    public mutating func add(_ other: LedgerTotals) {
        for (code, sum) in other.sums {
            sums[code, default: (0, 0, 0, 0)].source += sum.source
            sums[code, default: (0, 0, 0, 0)].sourceMinor += sum.sourceMinor
            sums[code, default: (0, 0, 0, 0)].quarantined += sum.quarantined
            sums[code, default: (0, 0, 0, 0)].quarantinedMinor += sum.quarantinedMinor
        }
    }

    /// Totals per currency, in currency order.
    public var figures: [CurrencyTotals] {
        sums.keys.sorted().compactMap { code in
            sums[code].map { CurrencyTotals(currency: code, sourceEntries: $0.source, sourceMinor: String($0.sourceMinor), quarantinedEntries: $0.quarantined, quarantinedMinor: String($0.quarantinedMinor)) }
        }
    }
}
