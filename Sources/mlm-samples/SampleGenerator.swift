import ArgumentParser
import CSQLite
import Foundation
import MLMMigrate

/// Generates the two synthetic legacy exports (never real people) from a seed.
@main
struct SampleGenerator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mlm-samples",
        abstract: "Generate the synthetic legacy exports: vendor 1 (CSV, binary plan) and vendor 2 (SQLite, 3-wide matrix).",
        discussion: "The same seed and size always give the same bytes. Defects are appended after the clean members and listed in expected/<vendor>.tsv."
    )

    @Option(help: "Clean members per vendor (defect rows come on top).")
    var members = 2_000

    @Option(help: "Clean wallet entries per vendor (defect rows come on top).")
    var walletEntries = 12_000

    @Option(help: "Seed for the generator.")
    var seed: UInt64 = 20_261_123

    @Option(help: "Output directory.")
    var out = "samples"

    @Option(help: "The vendor mappings, whose commission plans the legacy payouts are computed with.")
    var mappings = "mappings"

    @Option(help: "Which vendors: vendor1, vendor2 or both; or vendor3 (the flat-wallet SQLite style, generated only when named).")
    var vendor = "both"

    @Flag(help: "Write the later export of the same legacy system instead (new members, changed profiles, gone members, later wallet entries), for delta runs; its folders go under --out as usual.")
    var later = false

    func validate() throws {
        guard members >= 20 else { throw ValidationError("--members must be at least 20 (defects attach to early members)") }
    }

    func run() throws {
        let people = PeopleFactory(seed: seed)
        let changes = later ? LaterExport(members: members) : nil
        if vendor == "both" || vendor == "vendor1" {
            try BinaryPlanCSV(members: members, walletEntries: walletEntries, people: people, later: changes, mappings: mappings).write(to: out)
        }
        if vendor == "both" || vendor == "vendor2" {
            try MatrixSQLite(members: members, walletEntries: walletEntries, people: people, later: changes, mappings: mappings).write(to: out)
        }
        if vendor == "vendor3" {
            try FlatWalletSQLite(members: members, walletEntries: walletEntries, people: people).write(to: out)
        }
    }
}

/// SplitMix64: small, fast, and the same sequence on every platform for a seed.
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// A synthetic person.
struct Person {
    var first: String
    var last: String
    var email: String
    var phone: String
    var joinedUTC: Int64
    /// KYC data, derived from the index alone so adding it left every other value unchanged.
    var kyc: KYC
}

/// A synthetic person's KYC data: all fictitious (tax ids in the never-issued 9xx range,
/// bank accounts with a made-up bank code).
struct KYC {
    var birthYear: Int
    var birthMonth: Int
    var birthDay: Int
    var address: String
    var taxID: String
    var bankAccount: String
    var documentRef: String
    var status: String

    static let streets = ["Rue des Lilas", "Hauptstraße", "Calle Mayor", "Ulica Długa", "Via Roma", "Kongensgade", "Main Street, Apt. 4"]
    static let cities = ["Lyon", "München", "Sevilla", "Kraków", "Torino", "København", "Springfield"]

    init(index: Int, stream: UInt64) {
        let mix = index &* 2_654_435_761 &+ Int(stream) &* 97
        birthYear = 1950 + mix % 50
        birthMonth = 1 + (mix / 50) % 12
        birthDay = 1 + (mix / 600) % 28
        address = "\(1 + mix % 240) \(Self.streets[mix % Self.streets.count]), \(Self.cities[(mix / 7) % Self.cities.count])"
        taxID = String(format: "9%02d-%02d-%04d", index % 100, 70 + index % 30, index % 10_000)
        bankAccount = String(format: "XX%02d TEST %04d %04d %02d", index % 97, index / 10_000 % 10_000, index % 10_000, stream)
        documentRef = String(format: "PASS-%c%08d", 65 + index % 26, index)
        status = ["verified", "verified", "verified", "pending", "rejected"][index % 5]
    }
}

/// Makes synthetic people deterministically, with the accents, apostrophes and commas that
/// break naive exporters.
struct PeopleFactory {
    let seed: UInt64
    static let firsts = ["Ana", "José", "Zoë", "Søren", "Chloé", "Björn", "Ñusta", "Renée", "Łukasz", "Amélie", "Oğuz", "Priya", "Kwame", "Mei", "Dmitri", "Fatima", "Liam", "Noor"]
    static let lasts = ["Müller", "O’Brien", "García", "Nuñez", "Lefèvre", "Smith, Jr.", "Øster", "Kowalski", "Nakamura", "Okafor", "Dubois", "Šimek", "Rossi", "Haddad", "Brennan", "Œuvray"]

    func people(_ count: Int, stream: UInt64) -> [Person] {
        var random = SeededRandom(seed: seed ^ stream)
        var clock: Int64 = 1_420_070_400 // 2015-01-01T00:00:00Z
        // Registrations spread over about ten years, whatever the count.
        let meanStep = max(2, 315_360_000 / count)
        return (1...count).map { index in
            clock += 1 + Int64(random.below(2 * meanStep))
            clock -= clock % 60
            let first = Self.firsts[random.below(Self.firsts.count)]
            let last = Self.lasts[random.below(Self.lasts.count)]
            let local = "\(first).\(last)".folding(options: .diacriticInsensitive, locale: nil).lowercased().filter { $0.isLetter || $0 == "." }
            return Person(
                first: first, last: last, email: "\(local).\(index)@example.test",
                phone: "+1 555 \(100 + index / 10_000) \(String(format: "%04d", index % 10_000))", joinedUTC: clock,
                kyc: KYC(index: index, stream: stream)
            )
        }
    }

    /// The later export's new members: their own stream, joined after everybody in the base.
    func newcomers(_ later: LaterExport, stream: UInt64) -> [Person] {
        people(later.newMembers, stream: stream).enumerated().map { offset, person in
            var person = person
            person.joinedUTC = later.joined(ofNew: offset + 1)
            return person
        }
    }
}

/// Encodes text as Windows-1252 (the characters the factory uses).
enum Windows1252 {
    static let high: [Character: UInt8] = ["€": 0x80, "’": 0x92, "Š": 0x8A, "š": 0x9A, "Œ": 0x8C, "œ": 0x9C, "Ž": 0x8E, "ž": 0x9E]

    static func encode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for character in text {
            if let byte = high[character] { out.append(byte); continue }
            for scalar in character.unicodeScalars {
                out.append(scalar.value < 256 ? UInt8(scalar.value) : UInt8(ascii: "?"))
            }
        }
        return out
    }
}

/// One expected quarantine entry: the legacy id (or `-` when the row cannot be read) and reason.
struct Expected {
    var legacyID: String
    var reason: ReasonCode
}

func writeExpected(_ entries: [Expected], vendor: String, to directory: String) throws {
    try FileManager.default.createDirectory(atPath: "\(directory)/expected", withIntermediateDirectories: true)
    let text = "legacy_id\treason\n" + entries.map { "\($0.legacyID)\t\($0.reason.rawValue)\n" }.joined()
    try Data(text.utf8).write(to: URL(fileURLWithPath: "\(directory)/expected/\(vendor).tsv"))
}
