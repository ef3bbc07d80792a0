@testable import MLMMigrate
import Testing

/// Identity tokens are packed losslessly: a blind index becomes 32 bytes and is written back
/// exactly; tokens compare as their texts do.
@Suite struct IdentityTokensTests {
    private let index = "\\x" + String(repeating: "0123456789abcdef", count: 4)
    private let other = "\\x" + String(repeating: "fedcba9876543210", count: 4)

    @Test func givesBackEachTokenExactlyPackedOrNot() {
        var tokens = IdentityTokens()
        tokens.append(field: "email", value: index)
        tokens.append(field: "phone", value: index.uppercased())
        tokens.append(token: "email=ann")
        tokens.endMember()
        tokens.append(token: "email=\(index)")
        tokens.endMember()
        #expect(tokens.tokens(of: 0) == 0..<3)
        #expect((0..<4).map(tokens.text) == ["email=\(index)", "phone=\(index.uppercased())", "email=ann", "email=\(index)"])
        #expect((0..<4).map(tokens.column) == ["email", "phone", "email", "email"])
        #expect(tokens.tokens(of: 5).isEmpty)
    }

    @Test func namesTheMemberOfEachTokenPastMembersWithout() {
        var tokens = IdentityTokens()
        tokens.append(token: "email=a")
        tokens.append(token: "phone=1")
        tokens.endMember()
        tokens.endMember()
        tokens.append(token: "email=b")
        tokens.endMember()
        #expect((0..<3).map(tokens.member(ofToken:)) == [0, 0, 2])
    }

    @Test func tokensAreEqualExactlyWhenTheirTextsAre() {
        var tokens = IdentityTokens()
        let pairs = [("email", index), ("email", index), ("phone", index), ("email", other), ("email", "ann"), ("email", "ann")]
        for (field, value) in pairs {
            tokens.append(field: field, value: value)
        }
        tokens.endMember()
        #expect(tokens.same(0, 1) && tokens.hash(0) == tokens.hash(1))
        #expect(!tokens.same(0, 2) && !tokens.same(0, 3) && !tokens.same(0, 4))
        #expect(tokens.same(4, 5) && tokens.hash(4) == tokens.hash(5))
    }

    @Test func duplicatePersonRuleMatchesPackedBlindIndexes() throws {
        func node(_ id: String, _ parent: String?, email: String) -> GenealogyNode {
            GenealogyNode(
                location: SourceLocation(source: "m.csv", line: (Int(id) ?? 0) + 1), legacyID: id, joinedAt: Int64(Int(id) ?? 0),
                sponsorRef: parent, identities: ["email=\(email)"]
            )
        }
        var rules = GenealogyRules(
            legs: [], sponsorKey: .legacyID, placementKey: .legacyID, root: .earliest, orphanPolicy: .quarantine,
            duplicateIDPolicy: .quarantineAll, duplicatePersonPolicy: .quarantine
        )
        rules.identityColumns = ["email"]
        let nodes = [node("1", nil, email: index), node("2", "1", email: other), node("3", "1", email: index)]
        let outcome = try GenealogyValidator(nodes: nodes, rules: rules).validate()
        #expect(outcome.rejections.map { $0?.reason } == [nil, nil, .duplicatePerson])
        #expect(outcome.rejection(2)?.column == "email")
    }
}
