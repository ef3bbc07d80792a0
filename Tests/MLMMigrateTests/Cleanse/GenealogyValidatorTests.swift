import MLMMigrate
import Testing

@Suite struct GenealogyValidatorTests {
    /// A member with legacy id `id`, sponsor and placement by legacy id, registered at `at`.
    private func node(_ id: String, _ sponsor: String? = nil, _ placement: String? = nil, _ leg: String? = nil, at: Int64? = nil, email: String? = nil) -> GenealogyNode {
        GenealogyNode(
            location: SourceLocation(source: "m.csv", line: (Int(id) ?? 0) + 1), legacyID: id, username: "u\(id)",
            joinedAt: at ?? Int64(Int(id) ?? 0), sponsorRef: sponsor, placementRef: placement, leg: leg,
            identities: email.map { [$0] } ?? []
        )
    }

    private func rules(legs: [String] = [], orphan: OrphanPolicy = .quarantine, duplicates: DuplicateIDPolicy = .quarantineAll) -> GenealogyRules {
        GenealogyRules(legs: legs, sponsorKey: .legacyID, placementKey: .legacyID, root: .earliest, orphanPolicy: orphan, duplicateIDPolicy: duplicates, duplicatePersonPolicy: .quarantine)
    }

    private func reasons(_ nodes: [GenealogyNode], _ rules: GenealogyRules) throws -> [String: ReasonCode] {
        let outcome = try GenealogyValidator(nodes: nodes, rules: rules).validate()
        var result: [String: ReasonCode] = [:]
        for (index, rejection) in outcome.rejections.enumerated() {
            if let rejection { result[nodes[index].legacyID ?? "?"] = rejection.reason }
        }
        return result
    }

    @Test func acceptsAWellFormedTree() throws {
        let nodes = [node("1"), node("2", "1"), node("3", "1"), node("4", "2")]
        let outcome = try GenealogyValidator(nodes: nodes, rules: rules()).validate()
        #expect(outcome.rejections.allSatisfy { $0 == nil })
        #expect(outcome.sponsor == [-1, 0, 0, 1])
        #expect(outcome.root == 0)
    }

    @Test func quarantinesOrphanAndItsWholeDownline() throws {
        let found = try reasons([node("1"), node("2", "99"), node("3", "2"), node("4", "3"), node("5", "1")], rules())
        #expect(found == ["2": .orphanSponsor, "3": .sponsorQuarantined, "4": .sponsorQuarantined])
    }

    @Test func quarantinesTheDownlineOfARowRejectedByAFieldRule() throws {
        var rejected = node("2", "1")
        rejected.rejection = Rejection(.unparseableTimestamp, column: "joined_at")
        let found = try reasons([node("1"), rejected, node("3", "2"), node("4", "3")], rules())
        #expect(found == ["2": .unparseableTimestamp, "3": .sponsorQuarantined, "4": .sponsorQuarantined])
    }

    @Test func quarantinesSelfSponsor() throws {
        #expect(try reasons([node("1"), node("2", "2")], rules()) == ["2": .selfSponsor])
    }

    @Test func quarantinesEveryMemberOfASponsorCycleAndItsDownline() throws {
        let found = try reasons([node("1"), node("2", "4"), node("3", "2"), node("4", "3"), node("5", "3"), node("6", "1")], rules())
        #expect(found == ["2": .sponsorCycle, "3": .sponsorCycle, "4": .sponsorCycle, "5": .sponsorQuarantined])
    }

    @Test func quarantinesAllCopiesOfADuplicateIDOrKeepsTheFirst() throws {
        let nodes = [node("1"), node("2", "1"), node("2", "1"), node("3", "2")]
        let all = try GenealogyValidator(nodes: nodes, rules: rules()).validate()
        #expect(all.rejections.map { $0?.reason } == [nil, .duplicateID, .duplicateID, .sponsorQuarantined])
        let first = try GenealogyValidator(nodes: nodes, rules: rules(duplicates: .keepFirst)).validate()
        #expect(first.rejections.map { $0?.reason } == [nil, nil, .duplicateID, nil])
    }

    @Test func quarantinesTheLaterRegistrationOfTheSamePerson() throws {
        let nodes = [node("1"), node("2", "1", at: 50, email: "fp:a"), node("3", "1", at: 10, email: "fp:a")]
        #expect(try reasons(nodes, rules()) == ["2": .duplicatePerson])
    }

    @Test func keepsTheEarliestRootAndQuarantinesExtraRoots() throws {
        #expect(try reasons([node("1", at: 5), node("2", at: 1), node("3", "1")], rules()) == ["1": .extraRoot, "3": .sponsorQuarantined])
    }

    @Test func givesALegToTheEarliestChildAndQuarantinesClashes() throws {
        let legs = ["left", "right"]
        let nodes = [
            node("1"),
            node("2", "1", "1", "left"), node("3", "1", "1", "right"), node("4", "1", "1", "left"),
            node("5", "1", "2", "left"), node("6", "1", "2", "left"),
        ]
        #expect(try reasons(nodes, rules(legs: legs)) == ["4": .placementOverfull, "6": .legTaken])
    }

    @Test func quarantinesUnknownPlacementParentsMissingLegsAndPlacementCycles() throws {
        let legs = ["left", "right"]
        let nodes = [
            node("1"), node("2", "1", "77", "left"), node("3", "1", "1", nil),
            node("4", "1", "5", "left"), node("5", "1", "4", "left"),
        ]
        #expect(try reasons(nodes, rules(legs: legs)) == ["2": .orphanPlacement, "3": .legMissing, "4": .placementCycle, "5": .placementCycle])
    }

    @Test func quarantinesMembersWhoseLinksAcrossBothTreesFormACycle() throws {
        // 2 is sponsored by 3 while 3 is placed under 2: neither can be loaded first.
        let legs = ["left", "right"]
        let nodes = [node("1"), node("2", "3", "1", "left"), node("3", "1", "2", "left"), node("4", "2", "1", "right")]
        #expect(try reasons(nodes, rules(legs: legs)) == ["2": .crossTreeCycle, "3": .crossTreeCycle, "4": .sponsorQuarantined])
    }

    @Test func attachesOrphansToTheRootAndSpillsThemIntoTheFirstFreeLeg() throws {
        let legs = ["left", "right"]
        let nodes = [node("1"), node("2", "1", "1", "left"), node("3", "99", "98", "left"), node("4", "3", "3", "left")]
        let outcome = try GenealogyValidator(nodes: nodes, rules: rules(legs: legs, orphan: .attachToRoot)).validate()
        #expect(outcome.rejections.allSatisfy { $0 == nil })
        #expect(outcome.sponsor[2] == 0)
        #expect(outcome.placement[2] == 0)
        #expect(outcome.leg[2] == "right")
        #expect(outcome.placement[3] == 2)
        #expect(outcome.reattachments.map(\.reason) == [.orphanSponsor, .orphanPlacement])
    }

    @Test func stopsTheRunWhenTheOrphanPolicyIsFail() {
        #expect(throws: MigrationError.self) {
            _ = try GenealogyValidator(nodes: [node("1"), node("2", "99")], rules: rules(orphan: .fail)).validate()
        }
    }

    @Test func neverAcceptsAMemberWhoseParentWasRejected() throws {
        // A random forest with defects: every accepted member's parents must be accepted.
        var nodes = [node("1")]
        for index in 2...400 {
            let sponsor = index % 37 == 0 ? "9999" : String((index * 7919) % (index - 1) + 1)
            nodes.append(node(String(index), index % 53 == 0 ? String(index) : sponsor))
        }
        let outcome = try GenealogyValidator(nodes: nodes, rules: rules()).validate()
        for index in nodes.indices where outcome.rejections[index] == nil && outcome.sponsor[index] >= 0 {
            #expect(outcome.rejections[outcome.sponsor[index]] == nil)
        }
        #expect(outcome.rejections.contains { $0 != nil })
    }
}
