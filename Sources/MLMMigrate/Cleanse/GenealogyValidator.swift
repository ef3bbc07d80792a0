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
    let nodes: [GenealogyNode]
    /// Registration time per node (unknown sorts last), flat for the sorts' hot comparisons.
    let joined: [Int64]
    var rejections: [Rejection?]
    var sponsor: [Int]
    var placement: [Int]
    var leg: [Int]
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

    public init(nodes: [GenealogyNode], rules: GenealogyRules) {
        self.nodes = nodes
        self.rules = rules
        joined = nodes.map { $0.joinedAt ?? .max }
        rejections = nodes.map(\.rejection)
        sponsor = Array(repeating: -1, count: nodes.count)
        placement = Array(repeating: -1, count: nodes.count)
        leg = Array(repeating: -1, count: nodes.count)
        needsPlacement = Array(repeating: false, count: nodes.count)
        newlyRejected = rejections.indices.filter { rejections[$0] != nil }
    }

    var hasPlacementTree: Bool { !rules.legs.isEmpty }

    @inline(__always) func isAlive(_ index: Int) -> Bool { rejections[index] == nil }

    func reject(_ index: Int, _ rejection: Rejection) {
        guard rejections[index] == nil else { return }
        rejections[index] = rejection
        newlyRejected.append(index)
    }

    /// True when `a` registered before `b` (time, then source order).
    @inline(__always) func earlier(_ a: Int, _ b: Int) -> Bool {
        joined[a] != joined[b] ? joined[a] < joined[b] : a < b
    }

    public func validate() throws(MigrationError) -> GenealogyOutcome {
        let legacyIDs = nodes.map(\.legacyID)
        rejectDuplicates(legacyIDs, keepFirst: rules.duplicateIDPolicy == .keepFirst,
                         Rejection(.duplicateID, column: "legacy_id", detail: "legacy id appears on more than one row"))
        let byID = index(legacyIDs)
        var byUsername: [String: Int] = [:]
        if rules.sponsorKey == .username || rules.placementKey == .username {
            let usernames = nodes.map(\.username)
            rejectDuplicates(usernames, keepFirst: false,
                             Rejection(.duplicateUsername, column: "username", detail: "references resolve by username, and it is not unique"))
            byUsername = index(usernames)
        }
        rejectDuplicatePersons()
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
            rejections: rejections,
            sponsor: sponsor,
            placement: placement,
            leg: leg.map { $0 >= 0 ? rules.legs[$0] : nil },
            root: root.flatMap { isAlive($0) ? $0 : nil },
            reattachments: reattachments,
            duplicatePairs: duplicatePairs.filter { isAlive($0.member) && isAlive($0.duplicateOf) }
                .sorted { ($0.member, $0.duplicateOf) < ($1.member, $1.duplicateOf) }
        )
    }

    // MARK: Duplicates

    /// Rejects rows whose key another alive row has too: all of them, or all but the first.
    private func rejectDuplicates(_ keys: [String?], keepFirst: Bool, _ rejection: Rejection) {
        var seen: [String: Int] = [:]
        seen.reserveCapacity(keys.count)
        var duplicated: [Int] = []
        for index in keys.indices where isAlive(index) {
            guard let key = keys[index] else { continue }
            if let first = seen[key] {
                duplicated.append(index)
                if !keepFirst { duplicated.append(first) }
            } else {
                seen[key] = index
            }
        }
        for index in duplicated { reject(index, rejection) }
    }

    /// The same person registered more than once: registrations sharing enough identity
    /// columns (``DuplicatePersonMatch``) with an earlier one. `flag` lists each pair,
    /// `quarantine` rejects the later registration and remembers its survivor.
    private func rejectDuplicatePersons() {
        guard rules.duplicatePersonPolicy != .allow else { return }
        let order = nodes.indices.filter { isAlive($0) && !nodes[$0].identities.isEmpty }.sorted(by: earlier)
        var owners: [String: Int] = [:]
        owners.reserveCapacity(order.count * 2)
        let identityColumns = max(rules.identityColumns.count, 1)
        for index in order {
            var matches: [Int: [String]] = [:]
            for token in nodes[index].identities {
                if let owner = owners[token] { matches[owner, default: []].append(Self.column(of: token)) }
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
            for token in nodes[index].identities where owners[token] == nil { owners[token] = index }
        }
    }

    /// The identity field of a token written `<field>=<blind index>`.
    private static func column(of token: String) -> String {
        String(token.prefix { $0 != "=" })
    }

    /// The first alive node per key; keys of rejected duplicates still resolve (to a rejected
    /// node), so a reference to them reads as "parent quarantined", not "unknown".
    private func index(_ keys: [String?]) -> [String: Int] {
        var map: [String: Int] = [:]
        map.reserveCapacity(keys.count)
        for (index, key) in keys.enumerated() {
            guard let value = key else { continue }
            if let existing = map[value], isAlive(existing) || !isAlive(index) { continue }
            map[value] = index
        }
        return map
    }

    // MARK: Root and references

    private func chooseRoot() throws(MigrationError) {
        let candidates = nodes.indices.filter { isAlive($0) && nodes[$0].sponsorRef == nil }
        switch rules.root {
        case .legacyID(let id):
            guard let match = candidates.first(where: { nodes[$0].legacyID == id }) else {
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

    private func resolveReferences(byID: [String: Int], byUsername: [String: Int]) throws(MigrationError) {
        for index in nodes.indices where isAlive(index) && index != root {
            if let ref = nodes[index].sponsorRef {
                switch resolve(ref, key: rules.sponsorKey, byID: byID, byUsername: byUsername) {
                case index?: reject(index, Rejection(.selfSponsor, column: "sponsor"))
                case let parent?: sponsor[index] = parent
                case nil: try orphan(index, .sponsor, Rejection(.orphanSponsor, column: "sponsor", detail: "sponsor reference matches no member"))
                }
            }
            guard hasPlacementTree, isAlive(index) else { continue }
            guard let ref = nodes[index].placementRef else {
                try orphan(index, .placement, Rejection(.placementWithoutParent, column: "placement", detail: "no placement parent"))
                continue
            }
            switch resolve(ref, key: rules.placementKey, byID: byID, byUsername: byUsername) {
            case index?:
                reject(index, Rejection(.selfPlacement, column: "placement"))
            case let parent?:
                guard let name = nodes[index].leg, let slot = rules.legs.firstIndex(of: name) else {
                    reject(index, Rejection(.legMissing, column: "placement_leg", detail: "no leg of the plan given"))
                    continue
                }
                placement[index] = parent
                leg[index] = slot
            case nil:
                try orphan(index, .placement, Rejection(.orphanPlacement, column: "placement", detail: "placement reference matches no member"))
            }
        }
    }

    private func resolve(_ ref: String, key: ReferenceKey, byID: [String: Int], byUsername: [String: Int]) -> Int? {
        key == .legacyID ? byID[ref] : byUsername[ref]
    }

    /// Applies the orphan policy to a member whose parent in `tree` is missing or quarantined.
    func orphan(_ index: Int, _ tree: Reattachment.Tree, _ rejection: Rejection) throws(MigrationError) {
        switch rules.orphanPolicy {
        case .quarantine:
            reject(index, rejection)
        case .fail:
            throw MigrationError(.genealogyOrphan, "\(nodes[index].location): \(rejection.reason) and orphan_policy is fail")
        case .attachToRoot:
            guard let root, isAlive(root), root != index else {
                throw MigrationError(.genealogyNoRoot, "\(nodes[index].location): \(rejection.reason), and there is no root to attach to")
            }
            switch tree {
            case .sponsor: sponsor[index] = root
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
            for child in sponsorChildren.children(of: parent) where isAlive(child) && sponsor[child] == parent {
                if let heir, heir != child {
                    sponsor[child] = heir
                    reattachments.append(Reattachment(node: child, tree: .sponsor, reason: .duplicatePerson))
                    continue
                }
                try orphan(child, .sponsor, Rejection(.sponsorQuarantined, column: "sponsor", detail: "sponsor was quarantined"))
            }
            for child in placementChildren.children(of: parent) where isAlive(child) && placement[child] == parent {
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

    init(parents: [Int], include: (Int) -> Bool = { _ in true }) {
        var counts = [Int32](repeating: 0, count: parents.count + 1)
        for (child, parent) in parents.enumerated() where parent >= 0 && include(child) { counts[parent + 1] += 1 }
        for index in 1..<counts.count { counts[index] += counts[index - 1] }
        offsets = counts
        children = [Int32](repeating: 0, count: Int(counts[parents.count]))
        var fill = counts
        for (child, parent) in parents.enumerated() where parent >= 0 && include(child) {
            children[Int(fill[parent])] = Int32(child)
            fill[parent] += 1
        }
    }

    func children(of parent: Int) -> [Int] {
        children[Int(offsets[parent])..<Int(offsets[parent + 1])].map { Int($0) }
    }
}
