/// The registry of every table a load writes, each declared once. Adding a table is one
/// declaration here (and in ``loadSteps`` when a stage file fills it) plus its migration in
/// ``TargetSchema/migrations``; load order, rollback order and the bulk-load foreign keys follow.
public enum TargetTables {
    public static let members = TargetTable(
        name: "mlm.members", columns: MemberStageLayout.members, key: ["member_id"], memberColumn: "member_id",
        scope: .always, updatedByDelta: true, deltaName: "members",
        bulkLoadForeignKeys: [
            .init(name: "members_sponsor_id_fkey", definition: "FOREIGN KEY (sponsor_id) REFERENCES mlm.members"),
            .init(name: "members_placement_id_fkey", definition: "FOREIGN KEY (placement_id) REFERENCES mlm.members"),
        ]
    )
    public static let idMap = TargetTable(
        name: "mlm_migration.id_map", columns: MemberStageLayout.idMap, key: ["new_id"], memberColumn: "new_id", scope: .always
    )
    public static let quarantine = TargetTable(
        name: "mlm_migration.quarantine", columns: MemberStageLayout.quarantine, key: [], memberColumn: "legacy_id", scope: .always
    )
    public static let duplicateCandidates = TargetTable(
        name: "mlm_migration.duplicate_candidates", columns: MemberStageLayout.duplicates, key: ["member_id", "duplicate_of_member_id"],
        memberColumn: "member_id", scope: .always, appendedByDelta: true,
        bulkLoadForeignKeys: [
            .init(name: "duplicate_candidates_member_id_fkey", definition: "FOREIGN KEY (member_id) REFERENCES mlm.members"),
            .init(name: "duplicate_candidates_duplicate_of_fkey", definition: "FOREIGN KEY (duplicate_of_member_id) REFERENCES mlm.members"),
        ]
    )
    public static let dataKeys = TargetTable(
        name: "mlm.data_keys", columns: MemberPIILayout.dataKeys, key: ["key_id"], memberColumn: "member_id",
        scope: .pii, updatedByDelta: true,
        bulkLoadForeignKeys: [.init(name: "data_keys_member_id_fkey", definition: "FOREIGN KEY (member_id) REFERENCES mlm.members")]
    )
    public static let memberPII = TargetTable(
        name: "mlm.member_pii", columns: MemberPIILayout.target, key: ["member_id"], memberColumn: "member_id",
        scope: .pii, updatedByDelta: true, deltaName: "member_pii",
        bulkLoadForeignKeys: [
            .init(name: "member_pii_member_id_fkey", definition: "FOREIGN KEY (member_id) REFERENCES mlm.members"),
            .init(name: "member_pii_key_id_fkey", definition: "FOREIGN KEY (key_id) REFERENCES mlm.data_keys"),
        ]
    )
    public static let wallets = TargetTable(
        name: "mlm.wallets", columns: LedgerStageLayout.wallets, key: ["member_id", "currency"], memberColumn: "member_id",
        scope: .ledger, updatedByDelta: true, deltaName: "wallets",
        bulkLoadForeignKeys: [.init(name: "wallets_member_id_fkey", definition: "FOREIGN KEY (member_id) REFERENCES mlm.members")]
    )
    public static let walletEntries = TargetTable(
        name: "mlm.wallet_entries", columns: LedgerStageLayout.entries, key: ["member_id", "currency", "seq"],
        memberColumn: "member_id", scope: .ledger, deltaName: "wallet_entries",
        bulkLoadForeignKeys: [
            .init(name: "wallet_entries_wallet_fkey", definition: "FOREIGN KEY (member_id, currency) REFERENCES mlm.wallets"),
            .init(name: "wallet_entries_counterparty_fkey", definition: "FOREIGN KEY (counterparty_id) REFERENCES mlm.members"),
        ]
    )

    public static let periods = TargetTable(
        name: "mlm.periods", columns: CommissionStageLayout.periods, key: ["period"], memberColumn: "period",
        scope: .commission, updatedByDelta: true, appendedByDelta: true
    )
    public static let ranks = TargetTable(
        name: "mlm.ranks", columns: CommissionStageLayout.ranks, key: ["rank"], memberColumn: "rank", scope: .commission, appendedByDelta: true
    )
    public static let orders = TargetTable(
        name: "mlm.orders", columns: CommissionStageLayout.orders, key: ["order_id"], memberColumn: "member_id",
        scope: .commission, appendedByDelta: true, deltaName: "orders",
        bulkLoadForeignKeys: [
            .init(name: "orders_member_id_fkey", definition: "FOREIGN KEY (member_id) REFERENCES mlm.members"),
            .init(name: "orders_period_fkey", definition: "FOREIGN KEY (period) REFERENCES mlm.periods"),
        ]
    )
    public static let carryForward = TargetTable(
        name: "mlm.carry_forward", columns: CommissionStageLayout.carry, key: ["member_id", "period", "position", "leg"],
        memberColumn: "member_id", scope: .commission, appendedByDelta: true,
        bulkLoadForeignKeys: [
            .init(name: "carry_forward_member_id_fkey", definition: "FOREIGN KEY (member_id) REFERENCES mlm.members"),
            .init(name: "carry_forward_period_fkey", definition: "FOREIGN KEY (period) REFERENCES mlm.periods"),
        ]
    )
    public static let rankHistory = TargetTable(
        name: "mlm.rank_history", columns: CommissionStageLayout.rankHistory, key: ["member_id", "achieved_at", "rank"],
        memberColumn: "member_id", scope: .commission, appendedByDelta: true,
        bulkLoadForeignKeys: [
            .init(name: "rank_history_member_id_fkey", definition: "FOREIGN KEY (member_id) REFERENCES mlm.members"),
            .init(name: "rank_history_rank_fkey", definition: "FOREIGN KEY (rank) REFERENCES mlm.ranks"),
            .init(name: "rank_history_previous_rank_fkey", definition: "FOREIGN KEY (previous_rank) REFERENCES mlm.ranks"),
        ]
    )
    public static let payouts = TargetTable(
        name: "mlm.commission_payouts", columns: CommissionStageLayout.payouts, key: ["member_id", "period", "bonus_type", "currency"],
        memberColumn: "member_id", scope: .commission, appendedByDelta: true, deltaName: "commission_payouts",
        bulkLoadForeignKeys: [
            .init(name: "commission_payouts_member_id_fkey", definition: "FOREIGN KEY (member_id) REFERENCES mlm.members"),
            .init(name: "commission_payouts_period_fkey", definition: "FOREIGN KEY (period) REFERENCES mlm.periods"),
        ]
    )

    /// The load in order: members (with the id map) first, so every batch only references
    /// members already committed; then their quarantine, PII, and the ledger.
    public static let loadSteps: [LoadStep] = [
        LoadStep(files: [(.transformMembers, members), (.transformIDMap, idMap)], entity: "members", kind: "rows", summaryField: \.membersLoaded),
        LoadStep(files: [(.transformQuarantine, quarantine)], entity: "members", kind: "quarantine", summaryField: \.quarantinedLoaded),
        LoadStep(
            files: [(.transformDuplicateCandidates, duplicateCandidates)], entity: "duplicate_candidates", kind: "rows",
            summaryField: \.duplicateCandidates
        ),
        LoadStep(files: [(.transformDataKeys, dataKeys)], entity: "data_keys", kind: "rows", summaryField: \.dataKeys),
        LoadStep(files: [(.transformMemberPII, memberPII)], entity: "member_pii", kind: "rows", summaryField: \.memberPII),
        LoadStep(files: [(.transformWallets, wallets)], entity: "wallets", kind: "rows", summaryField: \.wallets),
        LoadStep(files: [(.transformWalletEntries, walletEntries)], entity: "wallet_entries", kind: "rows", summaryField: \.walletEntries),
        LoadStep(files: [(.transformLedgerQuarantine, quarantine)], entity: "ledger", kind: "quarantine", summaryField: \.ledgerQuarantined,
            scope: .ledger),
        LoadStep(files: [(.transformPeriods, periods)], entity: "periods", kind: "rows", summaryField: \.periods),
        LoadStep(files: [(.transformRanks, ranks)], entity: "ranks", kind: "rows", summaryField: \.ranks),
        LoadStep(files: [(.transformOrders, orders)], entity: "orders", kind: "rows", summaryField: \.orders),
        LoadStep(files: [(.transformCarryForward, carryForward)], entity: "carry_forward", kind: "rows", summaryField: \.carryForward),
        LoadStep(files: [(.transformRankHistory, rankHistory)], entity: "rank_history", kind: "rows", summaryField: \.rankHistory),
        LoadStep(files: [(.transformPayouts, payouts)], entity: "payouts", kind: "rows", summaryField: \.payouts),
        LoadStep(
            files: [(.transformCommissionQuarantine, quarantine)], entity: "commission", kind: "quarantine",
            summaryField: \.commissionQuarantined, scope: .commission
        ),
    ]

    /// Every table, in the order a load first writes it.
    public static let all: [TargetTable] = loadSteps.flatMap { $0.files.map(\.table) }.reduce(into: []) { tables, table in
        if !tables.contains(table) { tables.append(table) }
    }

    /// The load steps a run with `contents` takes: those whose scope (or first table's) it includes.
    public static func loadSteps(for contents: RunContents) -> [LoadStep] {
        loadSteps.filter { step in
            guard let first = step.files.first?.table else { return false }
            return contents.includes(step.scope ?? first.scope)
        }
    }

    /// Children before parents: the order rollback deletes in.
    public static var rollbackOrder: [TargetTable] { all.reversed() }

    /// The tables a delta run updates, in the order their prior images are put back.
    public static var updatedByDelta: [TargetTable] { all.filter(\.updatedByDelta) }

    /// The report's delta table: each counted table a run with `contents` writes.
    public static func deltaCounted(for contents: RunContents) -> [TargetTable] {
        all.filter { $0.deltaName != nil && contents.includes($0) }
    }

    /// Every foreign key dropped for a bulk load, with its table.
    public static var bulkLoadForeignKeys: [(table: String, key: TargetTable.ForeignKey)] {
        all.flatMap { table in table.bulkLoadForeignKeys.map { (table.name, $0) } }
    }

    /// The bulk-load foreign keys a load of `steps` may add back once the step at `index` is
    /// done: those whose table and referenced table no later step writes.
    public static func foreignKeysSettled(after index: Int, of steps: [LoadStep]) -> [(table: String, key: TargetTable.ForeignKey)] {
        let later = Set(steps.dropFirst(index + 1).flatMap { $0.files.map(\.table.name) })
        return bulkLoadForeignKeys.filter { !later.contains($0.table) && !later.contains($0.key.referencedTable) }
    }
}
