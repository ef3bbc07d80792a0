import MLMMigrate
import Testing

/// `duplicate_person_policy`: flag (both load, the pair listed), quarantine with a match rule,
/// and a quarantined duplicate's downline moved to the survivor instead of being cut off.
@Suite struct DuplicatePersonTests {
    /// Member `id` with sponsor and placement `parent`, registered at `id`, with identity tokens.
    private func node(_ id: String, _ parent: String? = nil, leg: String? = nil, email: String? = nil, phone: String? = nil) -> GenealogyNode {
        GenealogyNode(
            location: SourceLocation(source: "m.csv", line: (Int(id) ?? 0) + 1), legacyID: id, username: "u\(id)",
            joinedAt: Int64(Int(id) ?? 0), sponsorRef: parent, placementRef: parent, leg: parent == nil ? nil : (leg ?? "left"),
            identities: [email.map { "email=\($0)" }, phone.map { "phone=\($0)" }].compactMap { $0 }
        )
    }

    private func rules(
        _ policy: DuplicatePersonPolicy, match: DuplicatePersonMatch = .any, downline: DuplicatePersonDownline = .orphanPolicy
    ) -> GenealogyRules {
        var rules = GenealogyRules(
            legs: ["left", "right"], sponsorKey: .legacyID, placementKey: .legacyID, root: .earliest, orphanPolicy: .quarantine,
            duplicateIDPolicy: .quarantineAll, duplicatePersonPolicy: policy
        )
        rules.duplicatePersonMatch = match
        rules.duplicatePersonDownline = downline
        rules.identityColumns = ["email", "phone"]
        return rules
    }

    /// 1 is the root. 2 registered first with a mangled copy of 5's email; 5, the real owner,
    /// registered later and has a downline three levels deep (6, 7, 8).
    private var family: [GenealogyNode] {
        [
            node("1", email: "root"), node("2", "1", email: "ann", phone: "111"), node("3", "1", leg: "right", email: "bob"),
            node("5", "3", email: "ann", phone: "999"), node("6", "5"), node("7", "6"), node("8", "7"),
        ]
    }

    @Test func flagLoadsBothRegistrationsAndListsThePairByColumnName() throws {
        let outcome = try GenealogyValidator(nodes: family, rules: rules(.flag)).validate()
        #expect(outcome.rejections.allSatisfy { $0 == nil })
        #expect(outcome.duplicatePairs == [DuplicatePair(member: 3, duplicateOf: 1, columns: ["email"], scorePercent: 50)])
    }

    @Test func aMatchRuleOfAllColumnsNeedsEmailAndPhoneBoth() throws {
        let outcome = try GenealogyValidator(nodes: family, rules: rules(.flag, match: .all)).validate()
        #expect(outcome.duplicatePairs.isEmpty)
        let twins = [node("1"), node("2", "1", email: "x", phone: "1"), node("3", "1", leg: "right", email: "x", phone: "1")]
        let pairs = try GenealogyValidator(nodes: twins, rules: rules(.flag, match: .atLeast(2))).validate().duplicatePairs
        #expect(pairs == [DuplicatePair(member: 2, duplicateOf: 1, columns: ["email", "phone"], scorePercent: 100)])
    }

    @Test func quarantineWithTheOrphanPolicyCutsOffTheDownlineAsBefore() throws {
        let outcome = try GenealogyValidator(nodes: family, rules: rules(.quarantine)).validate()
        let rejected = outcome.rejections.enumerated().compactMap { $0.element == nil ? nil : family[$0.offset].legacyID }
        #expect(rejected == ["5", "6", "7", "8"])
        #expect(outcome.rejections[3]?.reason == .duplicatePerson)
        #expect(outcome.rejections[3]?.column == "email")
    }

    @Test func quarantineWithAttachToSurvivorKeepsTheWholeDownlineUnderTheKeptRegistration() throws {
        let outcome = try GenealogyValidator(nodes: family, rules: rules(.quarantine, downline: .attachToSurvivor)).validate()
        let rejected = outcome.rejections.enumerated().compactMap { $0.element == nil ? nil : family[$0.offset].legacyID }
        #expect(rejected == ["5"])
        #expect(outcome.sponsor[4] == 1)
        #expect(outcome.placement[4] == 1)
        #expect(outcome.leg[4] == "left")
        #expect(outcome.sponsor[5] == 4 && outcome.sponsor[6] == 5)
        #expect(outcome.reattachments.map(\.reason) == [.duplicatePerson, .duplicatePerson])
    }
}
