import Foundation

/// The changes that make the second, later export of a sample (`mlm-samples --later`): the same
/// legacy system some weeks on, for rehearsing a delta run. Derived from member numbers alone,
/// so the base export's bytes and the list of changes are fixed by the seed and size.
///
/// - new members join under free leaves, sponsored by existing members;
/// - some members change status, email or address;
/// - some leaf members nobody references are gone, with their wallet rows;
/// - existing and new members get later wallet deposits, and the legacy balances include them.
struct LaterExport {
    let members: Int

    var newMembers: Int { max(5, members / 20) }

    /// The 1-based member number of new member `i` (1...newMembers): after the defect rows' numbers.
    func number(ofNew i: Int) -> Int { members + 40 + i }

    func statusChanged(_ k: Int) -> Bool { k <= members && k % 53 == 7 }
    func emailChanged(_ k: Int) -> Bool { k <= members && k % 89 == 11 }
    func addressChanged(_ k: Int) -> Bool { k <= members && k % 97 == 13 }

    /// A member that leaves the later export, when nobody in it references them.
    func mayBeGone(_ k: Int) -> Bool { k > 3 && k <= members && k % 151 == 150 }

    func movedEmail(_ k: Int) -> String { "moved.\(k)@example.test" }
    func newEmail(_ k: Int) -> String { "new.\(k)@example.test" }
    func newPhone(_ k: Int) -> String { "+1 555 9\(k)" }

    /// New member `i`'s sponsor: an existing member of the first half.
    func sponsor(ofNew i: Int) -> Int { 1 + (i * 37) % max(1, members / 2) }

    /// New member `i`'s placement: a leaf of the base tree (`legs` wide) that no defect uses, and the leg's index.
    func placement(ofNew i: Int, legs: Int) -> (parent: Int, leg: Int) { (members / 2 + 1 + (i - 1) / legs, (i - 1) % legs) }

    /// New members joined after everybody in the base export (2026-05-28 onwards).
    func joined(ofNew i: Int) -> Int64 { 1_780_000_000 + Int64(i) * 3_600 }

    /// One later deposit in the home currency for every tenth existing member still present
    /// and for every new member, after every base entry (2026-06-08 onwards).
    func deposits(gone: Set<Int>) -> [(member: Int, amountMinor: Int64, occurredUTC: Int64)] {
        var result: [(Int, Int64, Int64)] = []
        for k in stride(from: 10, through: members, by: 10) where !gone.contains(k) {
            result.append((k, 1_000 + Int64(k % 50) * 10, 1_781_000_000 + Int64(k) * 60))
        }
        for i in 1...newMembers {
            result.append((number(ofNew: i), 5_000 + Int64(i), 1_781_000_000 + Int64(members + i) * 60))
        }
        return result
    }

    /// Members whose rows are dropped: candidates that no remaining row names as sponsor or parent.
    func gone(referenced: Set<Int>) -> Set<Int> {
        Set((1...members).filter { mayBeGone($0) && !referenced.contains($0) })
    }

    /// Adds the deposits to the closing balances and returns the wallets the deposits open;
    /// writes `expected/<vendor>-delta.tsv` with `members` rows. The caller leaves the gone
    /// members' wallets out when it writes them (after its faults, so they hit the same wallets).
    static func settle(
        _ deposits: [(member: Int, amountMinor: Int64, occurredUTC: Int64)], home: String,
        balances: inout [(member: Int, currency: String, balance: Int64)], gone: Set<Int>, goneEntries: Int,
        vendor: String, to directory: String, members: [(entity: String, inserted: Int, updated: Int, gone: Int)]
    ) throws -> [(member: Int, currency: String, balance: Int64)] {
        let goneWallets = balances.filter { gone.contains($0.member) }.count
        var opened: [(member: Int, currency: String, balance: Int64)] = []
        var updated = Set<Int>()
        var homeWallets: [Int: Int] = [:]
        for (index, wallet) in balances.enumerated() where wallet.currency == home && homeWallets[wallet.member] == nil { homeWallets[wallet.member] = index }
        for deposit in deposits {
            if let index = homeWallets[deposit.member] {
                balances[index].balance += deposit.amountMinor
                updated.insert(index)
            } else {
                opened.append((deposit.member, home, deposit.amountMinor))
            }
        }
        try writeExpected(members + [
            ("wallets", opened.count, updated.count, goneWallets),
            ("wallet_entries", deposits.count, 0, goneEntries),
        ], vendor: vendor, to: directory)
        return opened
    }

    /// `expected/<vendor>-delta.tsv`: per entity, the rows a delta run of the later export over
    /// the base must count as inserted, updated and gone.
    static func writeExpected(_ rows: [(entity: String, inserted: Int, updated: Int, gone: Int)], vendor: String, to directory: String) throws {
        let text = "entity\tinserted\tupdated\tgone\n" + rows.map { "\($0.entity)\t\($0.inserted)\t\($0.updated)\t\($0.gone)\n" }.joined()
        try FileManager.default.createDirectory(atPath: "\(directory)/expected", withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: "\(directory)/expected/\(vendor)-delta.tsv"))
    }

    /// The members' rows of the expected delta: new members, status changes, PII changes, gone members.
    func expectedMemberRows(gone: Set<Int>) -> [(entity: String, inserted: Int, updated: Int, gone: Int)] {
        let present = (1...members).filter { !gone.contains($0) }
        return [
            ("members", newMembers, present.filter(statusChanged).count, gone.count),
            ("member_pii", newMembers, present.filter { emailChanged($0) || addressChanged($0) }.count, gone.count),
        ]
    }
}
