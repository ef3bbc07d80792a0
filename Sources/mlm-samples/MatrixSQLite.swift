import CSQLite
import Foundation
import MLMMigrate

/// Vendor 2: an MLM suite's SQLite database. Integer ids, sponsor and matrix parent by id,
/// a 3-wide matrix (positions 1-3), epoch-second timestamps, one-letter states, and its own
/// table and column names; no primary key on the member id (so duplicates get through).
struct MatrixSQLite {
    let members: Int
    let walletEntries: Int
    let people: PeopleFactory
    /// Makes the later export instead of the base one.
    var later: LaterExport?
    /// Where the vendor mappings are (the commission plan is read from there).
    var mappings = "mappings"

    /// One row of `tbl_distributor`; text values may be invalid UTF-8 on purpose.
    struct Row {
        var id: Int64
        var login: String?
        var upline: Int64?
        var parent: Int64?
        var position: Int64?
        var created: Any?
        var state: String?
        var first: [UInt8]
        var last: String
        var email: String
        var mobile: String
        var kyc: KYC
    }

    func write(to directory: String) throws {
        var random = SeededRandom(seed: people.seed ^ 0x5EED_0002)
        let persons = people.people(members + 40, stream: 2) + (later.map { people.newcomers($0, stream: 12) } ?? [])
        var rows: [Row] = []
        var expected: [Expected] = []
        func row(_ k: Int, upline: Int64?, parent: Int64?, position: Int64?, created: Any? = nil, state: String? = "A", login: String? = nil, email: String? = nil, id: Int64? = nil) -> Row {
            let person = persons[k - 1]
            return Row(id: id ?? Int64(k), login: login ?? "dist\(k)", upline: upline, parent: parent, position: position,
                       created: created ?? person.joinedUTC, state: state, first: Array(person.first.utf8), last: person.last,
                       email: email ?? person.email, mobile: person.phone, kyc: person.kyc)
        }
        var sponsorOf: [Int: Int] = [:]
        for k in 1...members {
            let upline: Int64? = k == 1 ? nil : Int64(1 + random.below(k - 1))
            sponsorOf[k] = upline.map { Int($0) }
            let parent: Int64? = k == 1 ? nil : Int64((k - 2) / 3 + 1)
            let position: Int64? = k == 1 ? nil : Int64((k - 2) % 3 + 1)
            rows.append(row(k, upline: upline, parent: parent, position: position, state: ["A", "A", "A", "I", "S"][random.below(5)]))
        }
        var nextLeaf = Int64(members)
        func leaf() -> Int64 { defer { nextLeaf -= 1 }; return nextLeaf }
        func anySponsor() -> Int64 { Int64(1 + random.below(members / 2)) }
        var k = members
        func next() -> Int { k += 1; return k }
        func expect(_ id: Int, _ reason: ReasonCode) { expected.append(Expected(legacyID: String(id), reason: reason)) }

        let orphan = next(); rows.append(row(orphan, upline: 9_999_999, parent: leaf(), position: 1)); expect(orphan, .orphanSponsor)
        let child = next(); rows.append(row(child, upline: Int64(orphan), parent: leaf(), position: 1)); expect(child, .sponsorQuarantined)
        let selfRef = next(); rows.append(row(selfRef, upline: Int64(selfRef), parent: leaf(), position: 1)); expect(selfRef, .selfSponsor)
        let (a, b, c) = (next(), next(), next())
        rows.append(row(a, upline: Int64(b), parent: leaf(), position: 1))
        rows.append(row(b, upline: Int64(c), parent: leaf(), position: 1))
        rows.append(row(c, upline: Int64(a), parent: leaf(), position: 1))
        for member in [a, b, c] { expect(member, .sponsorCycle) }
        let dup1 = next(); _ = next()
        rows.append(row(dup1, upline: anySponsor(), parent: leaf(), position: 1))
        rows.append(row(dup1 + 1, upline: anySponsor(), parent: leaf(), position: 1, id: Int64(dup1)))
        expect(dup1, .duplicateID); expect(dup1, .duplicateID)
        let twin = next(); rows.append(row(twin, upline: anySponsor(), parent: leaf(), position: 1, email: " " + persons[6].email.uppercased())); expect(twin, .duplicatePerson)
        let shared = leaf()
        let first = next(); rows.append(row(first, upline: anySponsor(), parent: shared, position: 2))
        let second = next(); rows.append(row(second, upline: anySponsor(), parent: shared, position: 2)); expect(second, .legTaken)
        let fourth = next(); rows.append(row(fourth, upline: anySponsor(), parent: 1, position: 2)); expect(fourth, .placementOverfull)
        let root2 = next(); rows.append(row(root2, upline: nil, parent: nil, position: nil)); expect(root2, .extraRoot)
        let badDate = next(); rows.append(row(badDate, upline: anySponsor(), parent: leaf(), position: 1, created: "yesterday")); expect(badDate, .unparseableTimestamp)
        let oldDate = next(); rows.append(row(oldDate, upline: anySponsor(), parent: leaf(), position: 1, created: Int64(-2_500_000_000))); expect(oldDate, .timestampOutOfRange)
        let noState = next(); rows.append(row(noState, upline: anySponsor(), parent: leaf(), position: 1, state: nil)); expect(noState, .requiredMissing)
        let lost = next(); rows.append(row(lost, upline: anySponsor(), parent: 8_888_888, position: 1)); expect(lost, .orphanPlacement)
        let badState = next()
        let badStateUpline = anySponsor()
        rows.append(row(badState, upline: badStateUpline, parent: leaf(), position: 1, state: "X")); expect(badState, .unknownCode)
        let badBytes = next()
        var mangled = row(badBytes, upline: anySponsor(), parent: leaf(), position: 1)
        mangled.first = [0x4A, 0xE9, 0x72, 0xF4, 0x6D, 0x65] // "Jérôme" in Latin-1 inside a UTF-8 database
        rows.append(mangled)
        expect(badBytes, .invalidEncoding)

        var gone = Set<Int>()
        if let later {
            for k in 1...members {
                if later.statusChanged(k) { rows[k - 1].state = rows[k - 1].state == "A" ? "I" : "A" }
                if later.emailChanged(k) { rows[k - 1].email = later.movedEmail(k) }
                if later.addressChanged(k) { rows[k - 1].kyc.address += " (new address)" }
            }
            for i in 1...later.newMembers {
                let k = later.number(ofNew: i)
                let place = later.placement(ofNew: i, legs: 3)
                var newcomer = row(k, upline: Int64(later.sponsor(ofNew: i)), parent: Int64(place.parent), position: Int64(place.leg + 1), email: later.newEmail(k))
                newcomer.mobile = later.newPhone(k)
                rows.append(newcomer)
            }
            gone = later.gone(referenced: Set(rows.flatMap { [$0.upline, $0.parent] }.compactMap { $0.map { Int($0) } }))
            rows.removeAll { gone.contains(Int($0.id)) && $0.login == "dist\($0.id)" }
        }

        let folder = "\(directory)/vendor2-mlmsoft"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = "\(folder)/export.sqlite"
        try? FileManager.default.removeItem(atPath: path)
        try insert(rows, into: path)
        try writeExpected(expected, vendor: "vendor2-mlmsoft", to: directory)
        try commission(
            path: path, directory: directory, gone: gone, sponsorOf: sponsorOf,
            quarantined: CommissionSample.Member(k: badState, sponsor: Int(badStateUpline), placement: nil, leg: nil)
        )
        try MatrixLedger(
            members: members, entries: walletEntries, seed: people.seed ^ 0x5EED_1002,
            joined: { persons[$0 - 1].joinedUTC }, quarantinedMember: orphan,
            later: later.map { ($0, gone) }
        ).write(path: path, expectedDirectory: directory)
    }

    /// The closed pay week's orders (a DOUBLE bv, a TEXT pv), rank list and rank log, and the
    /// commission table, as the suite stores them (CommissionSample).
    private func commission(path: String, directory: String, gone: Set<Int>, sponsorOf: [Int: Int], quarantined: CommissionSample.Member) throws {
        let mapping = try MappingLoader.load(path: "\(mappings)/vendor2-mlmsoft.yaml")
        guard let plan = mapping.commissionPlan, let data = mapping.commission,
              let calendar = PeriodCalendar(plan: plan.period, closed: data.period) else { return }
        let clean = (1...members).map { CommissionSample.Member(k: $0, sponsor: sponsorOf[$0], placement: nil, leg: nil) }
        let ranks = ["R1", "R2", "R3", "R4", "R5"]
        let sample = CommissionSample(
            plan: plan, calendar: calendar, members: clean, quarantined: quarantined, seed: people.seed ^ 0x5EED_2002,
            legacyID: { String($0) }, orderReference: { String($0) },
            volumeText: { PHPFloat.text($0, scale: plan.volumeScale) }, amountText: { PHPFloat.text($0, scale: plan.currencyExponent) },
            timeText: { String($0) }, ranks: ranks
        )
        let output = try later == nil ? sample.generate() : sample.generateLater(gone: gone)
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw MigrationError(.samplesSQLite, "cannot open \(path)") }
        defer { sqlite3_close(db) }
        let schema = """
            CREATE TABLE tbl_order (order_id TEXT, dist_id TEXT, placed_ts INTEGER, state TEXT, bv REAL, pv TEXT);
            CREATE TABLE tbl_rank (rank_code TEXT, title TEXT, level INTEGER);
            CREATE TABLE tbl_rank_log (dist_id INTEGER, new_rank TEXT, old_rank TEXT, changed_ts INTEGER);
            CREATE TABLE tbl_commission (dist_id INTEGER, bonus_code TEXT, amount REAL, currency TEXT);
            BEGIN;
            """
        guard sqlite3_exec(db, schema, nil, nil, nil) == SQLITE_OK else { throw MigrationError(.samplesSQLite, "cannot create the commission tables") }
        func insert(_ table: String, _ rows: [[Any?]]) throws { try SQLiteRows.insert(rows, into: table, of: db) }
        let states = ["paid": "P", "shipped": "S", "cancelled": "X"]
        let kept = { (id: String?) in !gone.contains(Int(id ?? "") ?? -1) }
        try insert("tbl_order", output.orders.rows.filter { kept($0[1]) }.map { row in
            // The suite keeps BV in a DOUBLE column: the float's shortest text is what the export shows.
            [row[0], row[1], row[2].flatMap { Int64($0) }, states[row[3] ?? ""] ?? row[3], row[4].flatMap { Double($0) }, row[5]]
        })
        try insert("tbl_rank", ranks.enumerated().map { [$1, "Rank \($1.dropFirst())", Int64($0 + 1)] })
        try insert("tbl_rank_log", output.rankHistory.rows.filter { kept($0[0]) }.map { [$0[0].flatMap { Int64($0) }, $0[1], $0[2], $0[3].flatMap { Int64($0) }] })
        try insert("tbl_commission", output.payouts.filter { !gone.contains($0.k) }.map { payout in
            [Int64(payout.k), "UNI", Double(PHPFloat.text(payout.minor, scale: plan.currencyExponent)), plan.currency]
        })
        sqlite3_exec(db, "COMMIT", nil, nil, nil)
        try CommissionSample.writeExpected(output, vendor: "vendor2-mlmsoft", to: directory, quarantine: later == nil)
    }

    private func insert(_ rows: [Row], into path: String) throws {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw MigrationError(.samplesSQLite, "cannot create \(path)") }
        defer { sqlite3_close(db) }
        let schema = """
            PRAGMA journal_mode = DELETE;
            CREATE TABLE tbl_distributor (
                dist_id INTEGER, login TEXT, upline_id INTEGER, matrix_parent_id INTEGER, matrix_pos INTEGER,
                created_ts INTEGER, state TEXT, first_name TEXT, last_name TEXT, email_addr TEXT, mobile TEXT,
                dob TEXT, street TEXT, ssn TEXT, bank_account TEXT, kyc_ref TEXT, kyc_state TEXT);
            BEGIN;
            """
        guard sqlite3_exec(db, schema, nil, nil, nil) == SQLITE_OK else { throw MigrationError(.samplesSQLite, "cannot create the schema") }
        var statement: OpaquePointer?
        sqlite3_prepare_v2(db, "INSERT INTO tbl_distributor VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        func bind(_ index: Int32, _ text: String?) {
            guard let text else { sqlite3_bind_null(statement, index); return }
            mlm_sqlite3_bind_text_transient(statement, index, text, -1)
        }
        func bind(_ index: Int32, _ value: Int64?) {
            guard let value else { sqlite3_bind_null(statement, index); return }
            sqlite3_bind_int64(statement, index, value)
        }
        for row in rows {
            sqlite3_reset(statement)
            bind(1, row.id)
            bind(2, row.login)
            bind(3, row.upline)
            bind(4, row.parent)
            bind(5, row.position)
            if let created = row.created as? Int64 { bind(6, created) } else { bind(6, row.created as? String) }
            bind(7, row.state)
            row.first.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    _ = mlm_sqlite3_bind_text_transient(statement, 8, chars.baseAddress, Int32(chars.count))
                }
            }
            bind(9, row.last)
            bind(10, row.email)
            bind(11, row.mobile)
            bind(12, String(format: "%04d-%02d-%02d", row.kyc.birthYear, row.kyc.birthMonth, row.kyc.birthDay))
            bind(13, row.kyc.address)
            bind(14, row.kyc.taxID)
            bind(15, row.kyc.bankAccount)
            bind(16, row.kyc.documentRef)
            bind(17, row.kyc.status)
            guard sqlite3_step(statement) == SQLITE_DONE else { throw MigrationError(.samplesSQLite, "insert failed") }
        }
        sqlite3_exec(db, "COMMIT", nil, nil, nil)
    }
}
