import Foundation
import MLMMigrate

/// Vendor 1: a PHP binary-plan script's CSV export. Sponsor and placement by username, leg
/// `L`/`R`, `d/m/Y H:i` times in Asia/Kolkata, status digits, Windows-1252 text after a UTF-8
/// byte-order mark, CRLF line ends, quoted fields with commas, doubled quotes and newlines.
struct BinaryPlanCSV {
    static let header = ["user_id", "username", "sponsor", "placement_parent", "leg", "joined", "status", "full_name", "email", "phone", "notes", "dob", "address", "tax_id", "bank_iban", "kyc_doc", "kyc_status"]
    let members: Int
    let walletEntries: Int
    let people: PeopleFactory
    /// Makes the later export instead of the base one.
    var later: LaterExport?
    /// Where the vendor mappings are (the commission plan is read from there).
    var mappings = "mappings"

    func write(to directory: String) throws {
        var random = SeededRandom(seed: people.seed ^ 0x5EED_0001)
        let persons = people.people(members + 40, stream: 1) + (later.map { people.newcomers($0, stream: 11) } ?? [])
        var rows: [[String]] = []
        var expected: [Expected] = []
        func id(_ k: Int) -> String { String(100_000 + k) }
        func username(_ k: Int) -> String {
            let base = persons[k - 1].first.folding(options: .diacriticInsensitive, locale: nil).lowercased().filter(\.isLetter)
            return "\(base)\(k)"
        }
        func joined(_ utc: Int64) -> String {
            let local = utc + 19_800
            let (y, m, d) = UTCTimestamp.civil(fromDays: local / 86_400)
            let minutes = local % 86_400 / 60
            return String(format: "%02d/%02d/%04d %02d:%02d", d, m, y, minutes / 60, minutes % 60)
        }
        func row(_ k: Int, sponsor: String, parent: String, leg: String, joinedText: String? = nil, status: String = "1",
                 username name: String? = nil, email: String? = nil, legacyID: String? = nil) -> [String] {
            let person = persons[k - 1]
            let notes = random.below(25) == 0 ? "Called twice,\nsaid \"call back\" later" : (random.below(10) == 0 ? "VIP, Gold" : "")
            return [legacyID ?? id(k), name ?? username(k), sponsor, parent, leg, joinedText ?? joined(person.joinedUTC), status,
                    "\(person.first) \(person.last)", email ?? person.email, person.phone, notes,
                    String(format: "%02d/%02d/%04d", person.kyc.birthDay, person.kyc.birthMonth, person.kyc.birthYear),
                    person.kyc.address, person.kyc.taxID, person.kyc.bankAccount, person.kyc.documentRef, person.kyc.status]
        }
        // Clean members: sponsor is any earlier member; placement is the heap layout of a
        // full binary tree (member k under k/2, even k left).
        var sponsorOf: [Int: Int] = [:]
        for k in 1...members {
            if k > 1 { sponsorOf[k] = 1 + random.below(k - 1) }
            let sponsor = sponsorOf[k].map(username) ?? ""
            let parent = k == 1 ? "" : username(k / 2)
            let leg = k == 1 ? "" : (k % 2 == 0 ? "L" : "R")
            let status = ["1", "1", "1", "1", "0", "2"][random.below(6)]
            rows.append(row(k, sponsor: sponsor, parent: parent, leg: leg, status: status))
        }
        // Defects, each under its own leaf so it affects nobody else.
        var nextLeaf = members
        func leaf() -> String { defer { nextLeaf -= 1 }; return username(nextLeaf) }
        func anySponsor() -> String { username(1 + random.below(members / 2)) }
        var k = members
        func next() -> Int { k += 1; return k }

        let orphan = next()
        let orphanParent = nextLeaf
        rows.append(row(orphan, sponsor: "ghost.user", parent: leaf(), leg: "L"))
        expected.append(Expected(legacyID: id(orphan), reason: .orphanSponsor))
        let child = next()
        rows.append(row(child, sponsor: username(orphan), parent: leaf(), leg: "L"))
        expected.append(Expected(legacyID: id(child), reason: .sponsorQuarantined))
        let selfRef = next()
        rows.append(row(selfRef, sponsor: username(selfRef), parent: leaf(), leg: "L"))
        expected.append(Expected(legacyID: id(selfRef), reason: .selfSponsor))
        let (a, b, c) = (next(), next(), next())
        rows.append(row(a, sponsor: username(b), parent: leaf(), leg: "L"))
        rows.append(row(b, sponsor: username(c), parent: leaf(), leg: "L"))
        rows.append(row(c, sponsor: username(a), parent: leaf(), leg: "L"))
        expected += [a, b, c].map { Expected(legacyID: id($0), reason: .sponsorCycle) }
        let (dup1, dup2) = (next(), next())
        rows.append(row(dup1, sponsor: anySponsor(), parent: leaf(), leg: "L", legacyID: id(dup1)))
        rows.append(row(dup2, sponsor: anySponsor(), parent: leaf(), leg: "L", legacyID: id(dup1)))
        expected += [Expected(legacyID: id(dup1), reason: .duplicateID), Expected(legacyID: id(dup1), reason: .duplicateID)]
        let twin = next()
        rows.append(row(twin, sponsor: anySponsor(), parent: leaf(), leg: "L", email: "  " + persons[4].email.uppercased() + " "))
        expected.append(Expected(legacyID: id(twin), reason: .duplicatePerson))
        let shared = leaf()
        let (first, second) = (next(), next())
        rows.append(row(first, sponsor: anySponsor(), parent: shared, leg: "L"))
        rows.append(row(second, sponsor: anySponsor(), parent: shared, leg: "L"))
        expected.append(Expected(legacyID: id(second), reason: .legTaken))
        let third = next()
        rows.append(row(third, sponsor: anySponsor(), parent: username(1), leg: "L"))
        expected.append(Expected(legacyID: id(third), reason: .placementOverfull))
        let root2 = next()
        rows.append(row(root2, sponsor: "", parent: "", leg: ""))
        expected.append(Expected(legacyID: id(root2), reason: .extraRoot))
        let badDate = next()
        rows.append(row(badDate, sponsor: anySponsor(), parent: leaf(), leg: "L", joinedText: "31/02/2019 10:00"))
        expected.append(Expected(legacyID: id(badDate), reason: .unparseableTimestamp))
        let oldDate = next()
        rows.append(row(oldDate, sponsor: anySponsor(), parent: leaf(), leg: "L", joinedText: "01/01/1899 00:00"))
        expected.append(Expected(legacyID: id(oldDate), reason: .timestampOutOfRange))
        let blank = next()
        rows.append(row(blank, sponsor: anySponsor(), parent: leaf(), leg: "L", username: "   "))
        expected.append(Expected(legacyID: id(blank), reason: .requiredMissing))
        let lostPlacement = next()
        rows.append(row(lostPlacement, sponsor: anySponsor(), parent: "nowhere.user", leg: "L"))
        expected.append(Expected(legacyID: id(lostPlacement), reason: .orphanPlacement))
        let badStatus = next()
        rows.append(row(badStatus, sponsor: anySponsor(), parent: leaf(), leg: "L", status: "7"))
        expected.append(Expected(legacyID: id(badStatus), reason: .unknownCode))

        var gone = Set<Int>()
        if let later {
            for k in 1...members {
                if later.statusChanged(k) { rows[k - 1][6] = rows[k - 1][6] == "1" ? "0" : "1" }
                if later.emailChanged(k) { rows[k - 1][8] = later.movedEmail(k) }
                if later.addressChanged(k) { rows[k - 1][12] += " (new address)" }
            }
            for i in 1...later.newMembers {
                let k = later.number(ofNew: i)
                let place = later.placement(ofNew: i, legs: 2)
                var fields = row(k, sponsor: username(later.sponsor(ofNew: i)), parent: username(place.parent), leg: place.leg == 0 ? "L" : "R", email: later.newEmail(k))
                fields[9] = later.newPhone(k)
                rows.append(fields)
            }
            let numbers = Dictionary(uniqueKeysWithValues: (1...members).map { (username($0), $0) })
            gone = later.gone(referenced: Set(rows.flatMap { [$0[2], $0[3]] }.compactMap { numbers[$0] }))
            let goneIDs = Set(gone.map(id))
            rows.removeAll { goneIDs.contains($0[0]) }
        }

        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF]
        bytes += Windows1252.encode(Self.header.joined(separator: ",") + "\r\n")
        for fields in rows {
            bytes += Windows1252.encode(fields.map(Self.quoted).joined(separator: ",") + "\r\n")
        }
        // Two rows an exporter mangled: text after a closing quote, and one field too many.
        let malformed = next()
        bytes += Windows1252.encode("\(id(malformed)),\"broken\"tail,\(anySponsor()),,L,01/01/2020 10:00,1,x,x@example.test,1,,,,,,,\r\n")
        let wide = next()
        bytes += Windows1252.encode("\(id(wide)),wide\(wide),\(anySponsor()),,L,01/01/2020 10:00,1,x,y@example.test,1,,,,,,,,extra\r\n")
        expected += [Expected(legacyID: "-", reason: .malformedRecord), Expected(legacyID: "-", reason: .columnCount)]

        let folder = "\(directory)/vendor1-binaryplan"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/members.csv"))
        try writeExpected(expected, vendor: "vendor1-binaryplan", to: directory)
        try commission(
            folder: folder, directory: directory, orphan: CommissionSample.Member(k: orphan, sponsor: nil, placement: orphanParent, leg: "left"),
            sponsorOf: sponsorOf, username: username, id: id, gone: gone
        )
        try BinaryPlanLedger(
            members: members, entries: walletEntries, seed: people.seed ^ 0x5EED_1001, username: username, legacyID: id,
            joined: { persons[$0 - 1].joinedUTC }, quarantinedMember: username(orphan),
            later: later.map { ($0, gone) }
        ).write(folder: folder, expectedDirectory: directory)
    }

    /// The closed period's orders, carries, rank history and payouts (CommissionSample), as
    /// the PHP script exports them: usernames on orders, PHP float text, Asia/Kolkata times.
    private func commission(
        folder: String, directory: String, orphan: CommissionSample.Member, sponsorOf: [Int: Int],
        username: (Int) -> String, id: @escaping (Int) -> String, gone: Set<Int>
    ) throws {
        let mapping = try MappingLoader.load(path: "\(mappings)/vendor1-binaryplan.yaml")
        guard let plan = mapping.commissionPlan, let data = mapping.commission,
              let calendar = PeriodCalendar(plan: plan.period, closed: data.period) else { return }
        let clean = (1...members).map { k in
            CommissionSample.Member(k: k, sponsor: sponsorOf[k], placement: k == 1 ? nil : k / 2, leg: k == 1 ? nil : (k % 2 == 0 ? "left" : "right"))
        }
        let names = Dictionary(uniqueKeysWithValues: (1...(members + 40)).map { ($0, username($0)) })
        let sample = CommissionSample(
            plan: plan, calendar: calendar, members: clean, quarantined: orphan, seed: people.seed ^ 0x5EED_2001,
            legacyID: id, orderReference: { names[$0] ?? "?" },
            volumeText: { PHPFloat.text($0, scale: plan.volumeScale) }, amountText: { PHPFloat.text($0, scale: plan.currencyExponent) },
            timeText: { utc in
                let local = utc + 19_800
                let (y, m, d) = UTCTimestamp.civil(fromDays: local / 86_400)
                let seconds = local % 86_400
                return String(format: "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, seconds / 3_600, seconds / 60 % 60, seconds % 60)
            },
            ranks: data.declaredRanks.map(\.rank)
        )
        let output = try later == nil ? sample.generate() : sample.generateLater(gone: gone)
        let goneIDs = Set(gone.map(id))
        func csv(_ name: String, _ header: [String], _ rows: [[String?]]) throws {
            var text = header.joined(separator: ",") + "\r\n"
            for row in rows where !goneIDs.contains(row.first.flatMap { $0 } ?? "") {
                text += row.map { Self.quoted($0 ?? "") }.joined(separator: ",") + "\r\n"
            }
            try Data(Windows1252.encode(text)).write(to: URL(fileURLWithPath: "\(folder)/\(name)"))
        }
        try csv("orders.csv", output.orders.header, output.orders.rows)
        let legs = plan.binary?.legs ?? []
        func carry(_ rows: [(k: Int, volumes: [String: Int64])]) -> [[String?]] {
            rows.map { row in [id(row.k)] + legs.map { PHPFloat.text(row.volumes[$0] ?? 0, scale: plan.volumeScale) } }
        }
        try csv("carry_forward.csv", ["user_id", "left_cf", "right_cf"], carry(output.openingCarry))
        try csv("closing_carry_forward.csv", ["user_id", "left_cf", "right_cf"], carry(output.closingCarry))
        try csv("rank_history.csv", output.rankHistory.header, output.rankHistory.rows)
        let codes = ["binary": "BIN", "unilevel": "LVL"]
        try csv("payouts.csv", ["user_id", "bonus", "amount"], output.payouts.map { [id($0.k), codes[$0.bonus] ?? $0.bonus, PHPFloat.noisy($0.minor, scale: plan.currencyExponent)] })
        try CommissionSample.writeExpected(output, vendor: "vendor1-binaryplan", to: directory, quarantine: later == nil)
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
