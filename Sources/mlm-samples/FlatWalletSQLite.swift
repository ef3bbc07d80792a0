import CSQLite
import Foundation
import MLMMigrate

/// Vendor 3, a third export style that needs no SQL in its mapping: a PHP "flat wallet" script's
/// SQLite file. Profiles sit in a second table joined by the member id; the system has one
/// currency and no currency column; missing dates are `0000-00-00` sentinels; the root's leg
/// code is `0`, its sponsor and parent `0`; a delete flag is the only status; wallet rows say
/// credit or debit in a column of their own beside the amount type; transfers name the other
/// member (`from_id`, `0` for none).
///
/// Seeded defects, listed in `expected/vendor3-flatwallet.tsv`: the last member's registration
/// date is the sentinel (`field.required_missing`), and one transfer names a member the export
/// does not have (`ledger.unknown_counterparty`). The earliest registration of one pair holds a
/// mangled copy of the later one's email: the default duplicate policy flags the pair.
struct FlatWalletSQLite {
    let members: Int
    let walletEntries: Int
    let people: PeopleFactory

    static let vendor = "vendor3-flatwallet"

    func write(to out: String) throws {
        let directory = "\(out)/\(Self.vendor)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/export.sqlite"
        try? FileManager.default.removeItem(atPath: path)
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw MigrationError(.samplesSQLite, "cannot create \(path)") }
        defer { sqlite3_close(db) }
        let schema = """
            CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT, ref_id INTEGER, parent_id INTEGER, position INTEGER,
                                created TEXT, is_deleted INTEGER);
            CREATE TABLE user_details (refid TEXT, name TEXT, email TEXT, phone TEXT, dob TEXT);
            CREATE TABLE transactions (tid INTEGER, user_id INTEGER, from_id INTEGER, amount TEXT, amount_type TEXT,
                                       type TEXT, date TEXT);
            BEGIN;
            """
        guard sqlite3_exec(db, schema, nil, nil, nil) == SQLITE_OK else { throw MigrationError(.samplesSQLite, "cannot create the tables") }
        func insert(_ table: String, _ rows: [[Any?]]) throws { try SQLiteRows.insert(rows, into: table, of: db) }

        let persons = people.people(members, stream: 3)
        var random = SeededRandom(seed: people.seed ^ 0x3333)
        func stamp(_ seconds: Int64) -> String {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            return String(
                format: "%04d-%02d-%02d %02d:%02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
                parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0
            )
        }
        // A binary tree filled breadth first; the sponsor is a random earlier member.
        var users: [[Any?]] = []
        var details: [[Any?]] = []
        for (offset, person) in persons.enumerated() {
            let id = Int64(offset + 1)
            let parent: Int64 = id == 1 ? 0 : id / 2
            let position: Int64 = id == 1 ? 0 : (id % 2 == 0 ? 1 : 2)
            let sponsor: Int64 = id == 1 ? 0 : Int64(random.below(Int(id - 1)) + 1)
            let created = id == Int64(members) ? "0000-00-00 00:00:00" : stamp(person.joinedUTC)
            let deleted: Int64 = id % 17 == 0 ? 1 : 0
            users.append([id, "user\(id)", sponsor, parent, position, created, deleted])
            var email = person.email
            // The earliest of the pair holds a mangled copy (upper case, spaces) of member 9's email.
            if id == 3 { email = "  " + persons[8].email.uppercased() + " " }
            let dob = id % 5 == 0 ? "0000-00-00" : String(format: "%04d-%02d-%02d", person.kyc.birthYear, person.kyc.birthMonth, person.kyc.birthDay)
            details.append([String(id), "\(person.first) \(person.last)", email, person.phone, dob])
        }
        try insert("users", users)
        try insert("user_details", details.reversed())

        var transactions: [[Any?]] = []
        var tid: Int64 = 0
        var clock = (persons.last?.joinedUTC ?? 1_700_000_000) + 86_400
        func add(_ user: Int64, from: Int64, cents: Int64, kind: String, type: String) {
            tid += 1
            clock += Int64(60 + random.below(3_600))
            transactions.append([tid, user, from, "\(cents / 100).\(String(format: "%02d", cents % 100))", kind, type, stamp(clock)])
        }
        let payers = Int64(members - 1)
        while transactions.count < walletEntries {
            let user = Int64(random.below(Int(payers)) + 1)
            switch random.below(4) {
            case 0, 1:
                add(user, from: 0, cents: Int64(500 + random.below(50_000)), kind: "bonus", type: "credit")
            case 2:
                let other = Int64(random.below(Int(payers)) + 1)
                guard other != user else { continue }
                let cents = Int64(100 + random.below(5_000))
                add(user, from: other, cents: cents, kind: "transfer", type: "debit")
                add(other, from: user, cents: cents, kind: "transfer", type: "credit")
            default:
                add(user, from: 0, cents: Int64(100 + random.below(2_000)), kind: "payout", type: "debit")
            }
        }
        // A transfer from a member the export does not have.
        add(1, from: Int64(members + 500), cents: 1_234, kind: "transfer", type: "credit")
        let unknownTxn = tid
        try insert("transactions", transactions)
        sqlite3_exec(db, "COMMIT", nil, nil, nil)

        let expected = "entity\tlegacy_id\treason\n"
            + "members\t\(members)\tfield.required_missing\n"
            + "wallet_entries\t\(unknownTxn)\tledger.unknown_counterparty\n"
        try FileManager.default.createDirectory(atPath: "\(out)/expected", withIntermediateDirectories: true)
        try expected.write(toFile: "\(out)/expected/\(Self.vendor).tsv", atomically: true, encoding: .utf8)
    }
}
