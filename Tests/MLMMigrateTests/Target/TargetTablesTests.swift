import Testing
import Foundation
@testable import MLMMigrate

@Suite struct TargetTablesTests {
    @Test func rollbackDeletesChildrenBeforeParents() {
        #expect(TargetTables.rollbackOrder.map(\.name) == [
            "mlm.commission_payouts", "mlm.rank_history", "mlm.carry_forward", "mlm.orders", "mlm.ranks", "mlm.periods",
            "mlm.wallet_entries", "mlm.wallets", "mlm.member_pii", "mlm.data_keys",
            "mlm_migration.duplicate_candidates", "mlm_migration.quarantine", "mlm_migration.id_map", "mlm.members",
        ])
    }

    @Test func everyTableIsDeclaredOnceAndLoadedFromAStageFileOfItsStage() {
        #expect(Set(TargetTables.all.map(\.name)).count == TargetTables.all.count)
        for step in TargetTables.loadSteps {
            for (file, _) in step.files { #expect(file.rawValue.hasPrefix("transform/"), "\(file)") }
        }
    }

    /// bench/lib.sh's best raw load copies every stage file the loader copies, into the same
    /// table: a table added to the load and not to the benchmark would flatter every ratio.
    @Test func theBenchmarksRawLoadCopiesEveryFileTheLoaderCopies() throws {
        let script = try String(contentsOfFile: "\(PackagePaths.root)/bench/lib.sh", encoding: .utf8)
        let list = try #require(script.components(separatedBy: "raw_tables=(").dropFirst().first?.components(separatedBy: ")").first)
        let pairs = list.split(whereSeparator: \.isWhitespace).map(String.init)
        let loaded = TargetTables.loadSteps.flatMap(\.files).map { file, table in
            "\(file.rawValue.dropFirst("transform/".count).dropLast(".tsv".count)):\(table.name)"
        }
        #expect(pairs == loaded)
    }

    @Test func aRunLoadsOnlyTheTablesItsMappingGives() {
        let plain = TargetTables.loadSteps(for: RunContents(pii: false, ledger: false)).map(\.manifestKey)
        #expect(plain == ["members/rows", "members/quarantine", "duplicate_candidates/rows"])
        let all = TargetTables.loadSteps(for: RunContents(pii: true, ledger: true)).map(\.manifestKey)
        #expect(all == [
            "members/rows", "members/quarantine", "duplicate_candidates/rows", "data_keys/rows", "member_pii/rows",
            "wallets/rows", "wallet_entries/rows", "ledger/quarantine",
        ])
    }

    @Test func commissionTablesComeOnlyWithCommissionEntitiesAndOnlyGrowInADelta() {
        let steps = TargetTables.loadSteps(for: RunContents(pii: false, ledger: false, commission: true)).map(\.manifestKey)
        #expect(steps == [
            "members/rows", "members/quarantine", "duplicate_candidates/rows", "periods/rows", "ranks/rows", "orders/rows", "carry_forward/rows",
            "rank_history/rows", "payouts/rows", "commission/quarantine",
        ])
        #expect(TargetTables.all.filter(\.appendedByDelta).map(\.bareName) == [
            "duplicate_candidates", "periods", "ranks", "orders", "carry_forward", "rank_history", "commission_payouts",
        ])
    }

    @Test func deltaUpdatesAreRestoredParentsFirstAndCountedInTheReport() {
        #expect(TargetTables.updatedByDelta.map(\.name) == ["mlm.members", "mlm.data_keys", "mlm.member_pii", "mlm.wallets", "mlm.periods"])
        #expect(TargetTables.deltaCounted(for: RunContents(pii: true, ledger: false)).compactMap(\.deltaName) == ["members", "member_pii"])
    }

    /// A key goes back during the load at the first step after which no step writes its table
    /// or the table it references, and every key is settled after the last step.
    @Test func foreignKeysSettleOnceNoLaterStepWritesEitherTable() {
        let steps = TargetTables.loadSteps
        var firstSettled: [String: String] = [:]
        for index in steps.indices {
            for key in TargetTables.foreignKeysSettled(after: index, of: steps) where firstSettled[key.key.name] == nil {
                firstSettled[key.key.name] = steps[index].manifestKey
            }
        }
        #expect(Set(firstSettled.keys) == Set(TargetTables.bulkLoadForeignKeys.map(\.key.name)))
        #expect(firstSettled["members_sponsor_id_fkey"] == "members/rows")
        #expect(firstSettled["duplicate_candidates_member_id_fkey"] == "duplicate_candidates/rows")
        #expect(firstSettled["data_keys_member_id_fkey"] == "data_keys/rows")
        #expect(firstSettled["member_pii_key_id_fkey"] == "member_pii/rows")
        #expect(firstSettled["wallets_member_id_fkey"] == "wallets/rows")
        #expect(firstSettled["wallet_entries_wallet_fkey"] == "wallet_entries/rows")
        #expect(firstSettled["orders_period_fkey"] == "orders/rows")
        #expect(firstSettled["rank_history_previous_rank_fkey"] == "rank_history/rows")
        #expect(firstSettled["commission_payouts_period_fkey"] == "payouts/rows")
        // Nothing settles while a later step still writes the referenced table.
        let beforeMembers = TargetTables.foreignKeysSettled(after: 0, of: [steps[1], steps[0]])
        #expect(!beforeMembers.contains { $0.key.referencedTable == "mlm.members" })
        #expect(TargetTables.walletEntries.bulkLoadForeignKeys.map(\.referencedTable) == ["mlm.wallets", "mlm.members"])
    }

    @Test func bulkLoadForeignKeysBelongToTheirTables() {
        let keys = TargetTables.bulkLoadForeignKeys
        #expect(keys.count == 19)
        for key in keys { #expect(key.key.name.hasPrefix(key.table.split(separator: ".").last.map(String.init) ?? "")) }
    }

    /// Every key's referenced table is read as one of the target's tables, as its `ALTER TABLE`
    /// locks it: the key restorer orders its jobs by these names (a misread name would let two
    /// jobs on one table run at once).
    @Test func everyReferencedTableIsATableOfTheTarget() {
        let names = Set(TargetTables.all.map(\.name))
        for key in TargetTables.bulkLoadForeignKeys {
            #expect(names.contains(key.key.referencedTable), "\(key.key.name) references \(key.key.referencedTable)")
        }
    }
}
