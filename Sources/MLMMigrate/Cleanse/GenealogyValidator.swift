/// Validates a genealogy as a whole graph and decides, for every member, load or quarantine.
///
/// Rules run in a fixed, documented order (docs/mapping.md, "How genealogy is validated"):
/// earlier rejections, duplicate ids, duplicate usernames, duplicate persons, the root, self
/// references, unknown references, sponsor cycles, placement cycles, legs, spillover of
/// re-attached members, and cycles across the two trees. After each rule the downline of every
/// newly quarantined member goes through the orphan policy, so no member is ever accepted with
/// a quarantined parent. Members are compared by registration time, then source order, so the
/// verdict does not depend on hash-table order.
public final class GenealogyValidator {
    let rules: GenealogyRules
    private(set) var nodes: GenealogyNodes
    /// Per node: 0 while alive, else 1 + the place of its rejection in ``rejectionList``.
    var rejected: [UInt32]
    var rejectionList: [Rejection] = []
    var sponsor: [Int32]
    var placement: [Int32]
    /// Per node: the leg's place in the mapping's legs, or -1.
    var leg: [Int32]
    var needsPlacement: [Bool]
    var root: Int?
    var reattachments: [Reattachment] = []
    /// Quarantined duplicate registrations and the earlier registration kept for each.
    var survivor: [Int: Int] = [:]
    /// Pairs found under `duplicate_person_policy: flag`.
    var duplicatePairs: [DuplicatePair] = []
    /// Members to spill over under another node than the root (the survivor of a duplicate).
    var spillFrom: [Int: Int] = [:]
    /// Nodes rejected whose downline has not yet been through the orphan policy (starts with
    /// the nodes rejected before the graph rules ran).
    var newlyRejected: [Int] = []

    public convenience init(nodes: [GenealogyNode], rules: GenealogyRules) {
        self.init(packed: GenealogyNodes(nodes), rules: rules)
    }

    /// The validator drops the nodes' identity tokens once the duplicate rule has run: a caller
    /// that keeps `packed` should drop its copy of them (`identities`) to free that memory.
    public init(packed nodes: GenealogyNodes, rules: GenealogyRules) {
        self.nodes = nodes
        self.rules = rules
        rejected = [UInt32](repeating: 0, count: nodes.count)
        sponsor = [Int32](repeating: -1, count: nodes.count)
        placement = [Int32](repeating: -1, count: nodes.count)
        leg = [Int32](repeating: -1, count: nodes.count)
        needsPlacement = [Bool](repeating: false, count: nodes.count)
        for (index, rejection) in nodes.rejections.sorted(by: { $0.key < $1.key }) { reject(index, rejection) }
    }

    var count: Int { nodes.count }
    var hasPlacementTree: Bool { !rules.legs.isEmpty }

    @inline(__always) func isAlive(_ index: Int) -> Bool { rejected[index] == 0 }

    func rejection(_ index: Int) -> Rejection? {
        rejected[index] == 0 ? nil : rejectionList[Int(rejected[index]) - 1]
    }

    func reject(_ index: Int, _ rejection: Rejection) {
        guard rejected[index] == 0 else { return }
        rejectionList.append(rejection)
        rejected[index] = UInt32(rejectionList.count)
        newlyRejected.append(index)
    }

    /// True when `a` registered before `b` (time, then source order).
    @inline(__always) func earlier(_ a: Int, _ b: Int) -> Bool {
        nodes.joined[a] != nodes.joined[b] ? nodes.joined[a] < nodes.joined[b] : a < b
    }

    /// Runs every rule once; call it once (it drops the identity tokens after their rule).
    public func validate() throws(MigrationError) -> GenealogyOutcome {
        rejectDuplicates(nodes.legacyIDs, keepFirst: rules.duplicateIDPolicy == .keepFirst,
                         Rejection(.duplicateID, column: "legacy_id", detail: "legacy id appears on more than one row"))
        let byID = index(nodes.legacyIDs)
        var byUsername = PackedTextIndex(capacity: 0)
        if rules.sponsorKey == .username || rules.placementKey == .username {
            rejectDuplicates(nodes.usernames, keepFirst: false,
                             Rejection(.duplicateUsername, column: "username", detail: "references resolve by username, and it is not unique"))
            byUsername = index(nodes.usernames)
        }
        rejectDuplicatePersons()
        nodes.identities = IdentityTokens()
        try chooseRoot()
        try resolveReferences(byID: byID, byUsername: byUsername)
        try propagate()
        rejectCycles(tree: .sponsor)
        try propagate()
        if hasPlacementTree {
            rejectCycles(tree: .placement)
            try propagate()
            rejectLegConflicts()
            try propagate()
        }
        while true {
            try spillOver()
            guard rejectCrossTreeCycles() else { break }
            try propagate()
        }
        return GenealogyOutcome(
            rejected: rejected, rejectionList: rejectionList, sponsors: sponsor, placements: placement, legSlots: leg,
            legs: rules.legs,
            root: root.flatMap { isAlive($0) ? $0 : nil },
            reattachments: reattachments,
            duplicatePairs: duplicatePairs.filter { isAlive($0.member) && isAlive($0.duplicateOf) }
                .sorted { ($0.member, $0.duplicateOf) < ($1.member, $1.duplicateOf) }
        )
    }

    // MARK: Duplicates

    /// Rejects rows whose key another alive row has too: all of them, or all but the first.
    private func rejectDuplicates(_ keys: PackedStrings, keepFirst: Bool, _ rejection: Rejection) {
        var seen = PackedTextIndex(capacity: count)
        var duplicated: [Int] = []
        for index in 0..<count where isAlive(index) && !keys.isNil(index) {
            if let first = seen.insertIfAbsent(Int32(index), in: keys) {
                duplicated.append(index)
                if !keepFirst { duplicated.append(Int(first)) }
            }
        }
        for index in duplicated { reject(index, rejection) }
    }

    /// The same person registered more than once: registrations sharing enough identity
    /// columns (``DuplicatePersonMatch``) with an earlier one. `flag` lists each pair,
    /// `quarantine` rejects the later registration and remembers its survivor.
    private func rejectDuplicatePersons() {
        guard rules.duplicatePersonPolicy != .allow else { return }
        let tokens = nodes.identities
        let order = (0..<count).lazy.filter { self.isAlive($0) && !tokens.tokens(of: $0).isEmpty }.map { Int32($0) }
            .sorted { self.earlier(Int($0), Int($1)) }
        // Each distinct token once: the copy of the member owning it.
        var owners = HashSlots(capacity: tokens.count)
        let identityColumns = max(rules.identityColumns.count, 1)
        for member in order {
            let index = Int(member)
            var matches: [Int: [String]] = [:]
            for token in tokens.tokens(of: index) {
                if let first = owners.find(hash: tokens.hash(token), where: { tokens.same(Int($0), token) }) {
                    matches[tokens.member(ofToken: Int(first)), default: []].append(tokens.column(token))
                }
            }
            let qualifying = matches.filter { rules.duplicatePersonMatch.accepts($0.value.count, of: identityColumns) }
                .sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : earlier($0.key, $1.key) }
            if let best = qualifying.first, rules.duplicatePersonPolicy == .quarantine {
                let columns = best.value.sorted()
                reject(index, Rejection(
                    .duplicatePerson, column: columns.first,
                    detail: "matches an earlier registration on \(columns.joined(separator: ", "))"
                ))
                survivor[index] = best.key
                continue
            }
            for (earlierIndex, columns) in qualifying {
                duplicatePairs.append(DuplicatePair(
                    member: index, duplicateOf: earlierIndex, columns: columns.sorted(),
                    scorePercent: min(100, columns.count * 100 / identityColumns)
                ))
            }
            for token in tokens.tokens(of: index) {
                let hash = tokens.hash(token)
                guard owners.find(hash: hash, where: { tokens.same(Int($0), token) }) == nil else { continue }
                owners.insert(Int32(token), hash: hash) { tokens.hash(Int($0)) }
            }
        }
    }

    /// The first alive node per key; keys of rejected duplicates still resolve (to a rejected
    /// node), so a reference to them reads as "parent quarantined", not "unknown".
    private func index(_ keys: PackedStrings) -> PackedTextIndex {
        var map = PackedTextIndex(capacity: count)
        for index in 0..<count where !keys.isNil(index) {
            guard let existing = map.insertIfAbsent(Int32(index), in: keys) else { continue }
            if isAlive(Int(existing)) || !isAlive(index) { continue }
            map.replace(existing, with: Int32(index), in: keys)
        }
        return map
    }

    // MARK: Root and references

    private func chooseRoot() throws(MigrationError) {
        let candidates = (0..<count).filter { isAlive($0) && nodes.sponsorRefs.isNil($0) }
        switch rules.root {
        case .legacyID(let id):
            guard let match = candidates.first(where: { nodes.legacyIDs.equals($0, id) }) else {
                throw MigrationError(.genealogyRootMissing, "the mapping's root \(id) is not an accepted member without sponsor")
            }
            root = match
        case .earliest:
            root = candidates.min(by: earlier)
        }
        for index in candidates where index != root {
            try orphan(index, .sponsor, Rejection(.extraRoot, column: "sponsor", detail: "member without sponsor who is not the root"))
        }
    }

    private func resolveReferences(byID: PackedTextIndex, byUsername: PackedTextIndex) throws(MigrationError) {
        let slots = nodes.legs.values.map { name in rules.legs.firstIndex(of: name) }
        for index in 0..<count where isAlive(index) && index != root {
            if let ref = nodes.sponsorRefs[index] {
                switch resolve(ref, key: rules.sponsorKey, byID: byID, byUsername: byUsername) {
                case index?: reject(index, Rejection(.selfSponsor, column: "sponsor"))
                case let parent?: sponsor[index] = Int32(parent)
                case nil: try orphan(index, .sponsor, Rejection(.orphanSponsor, column: "sponsor", detail: "sponsor reference matches no member"))
                }
            }
            guard hasPlacementTree, isAlive(index) else { continue }
            guard let ref = nodes.placementRefs[index] else {
                try orphan(index, .placement, Rejection(.placementWithoutParent, column: "placement", detail: "no placement parent"))
                continue
            }
            switch resolve(ref, key: rules.placementKey, byID: byID, byUsername: byUsername) {
            case index?:
                reject(index, Rejection(.selfPlacement, column: "placement"))
            case let parent?:
                let code = nodes.legs.code(index)
                guard code > 0, let slot = slots[code - 1] else {
                    reject(index, Rejection(.legMissing, column: "placement_leg", detail: "no leg of the plan given"))
                    continue
                }
                placement[index] = Int32(parent)
                leg[index] = Int32(slot)
            case nil:
                try orphan(index, .placement, Rejection(.orphanPlacement, column: "placement", detail: "placement reference matches no member"))
            }
        }
    }

    private func resolve(_ ref: String, key: ReferenceKey, byID: PackedTextIndex, byUsername: PackedTextIndex) -> Int? {
        let found = key == .legacyID ? byID.find(ref, in: nodes.legacyIDs) : byUsername.find(ref, in: nodes.usernames)
        return found.map { Int($0) }
    }

    /// Applies the orphan policy to a member whose parent in `tree` is missing or quarantined.
    func orphan(_ index: Int, _ tree: Reattachment.Tree, _ rejection: Rejection) throws(MigrationError) {
        switch rules.orphanPolicy {
        case .quarantine:
            reject(index, rejection)
        case .fail:
            throw MigrationError(.genealogyOrphan, "\(nodes.location(index)): \(rejection.reason) and orphan_policy is fail")
        case .attachToRoot:
            guard let root, isAlive(root), root != index else {
                throw MigrationError(.genealogyNoRoot, "\(nodes.location(index)): \(rejection.reason), and there is no root to attach to")
            }
            switch tree {
            case .sponsor: sponsor[index] = Int32(root)
            case .placement:
                placement[index] = -1
                leg[index] = -1
                needsPlacement[index] = true
            }
            reattachments.append(Reattachment(node: index, tree: tree, reason: rejection.reason))
        }
    }

    /// Sends the alive children of every newly rejected node through the orphan policy, until
    /// no new rejection appears.
    func propagate() throws(MigrationError) {
        guard !newlyRejected.isEmpty else { return }
        let sponsorChildren = ChildIndex(parents: sponsor)
        let placementChildren = ChildIndex(parents: placement)
        var cursor = 0
        while cursor < newlyRejected.count {
            let parent = newlyRejected[cursor]
            cursor += 1
            let heir = rules.duplicatePersonDownline == .attachToSurvivor ? survivor[parent].flatMap { isAlive($0) ? $0 : nil } : nil
            for child in sponsorChildren.children(of: parent) where isAlive(child) && Int(sponsor[child]) == parent {
                if let heir, heir != child {
                    sponsor[child] = Int32(heir)
                    reattachments.append(Reattachment(node: child, tree: .sponsor, reason: .duplicatePerson))
                    continue
                }
                try orphan(child, .sponsor, Rejection(.sponsorQuarantined, column: "sponsor", detail: "sponsor was quarantined"))
            }
            for child in placementChildren.children(of: parent) where isAlive(child) && Int(placement[child]) == parent {
                if let heir, heir != child {
                    placement[child] = -1
                    leg[child] = -1
                    needsPlacement[child] = true
                    spillFrom[child] = heir
                    reattachments.append(Reattachment(node: child, tree: .placement, reason: .duplicatePerson))
                    continue
                }
                try orphan(child, .placement, Rejection(.placementQuarantined, column: "placement", detail: "placement parent was quarantined"))
            }
        }
        newlyRejected.removeAll()
    }
}

/// Children per parent in compressed form (one offsets array, one children array), built from
/// a parent array in O(n); children are listed in index order.
struct ChildIndex {
    private var offsets: [Int32]
    private var children: [Int32]

    init(parents: [Int32], include: (Int) -> Bool = { _ in true }) {
        var counts = [Int32](repeating: 0, count: parents.count + 1)
        for (child, parent) in parents.enumerated() where parent >= 0 && include(child) { counts[Int(parent) + 1] += 1 }
        for index in 1..<counts.count { counts[index] += counts[index - 1] }
        offsets = counts
        children = [Int32](repeating: 0, count: Int(counts[parents.count]))
        var fill = counts
        for (child, parent) in parents.enumerated() where parent >= 0 && include(child) {
            children[Int(fill[Int(parent)])] = Int32(child)
            fill[Int(parent)] += 1
        }
    }

    func children(of parent: Int) -> [Int] {
        children[Int(offsets[parent])..<Int(offsets[parent + 1])].map { Int($0) }
    }
}
