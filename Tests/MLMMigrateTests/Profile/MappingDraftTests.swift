import Foundation
import Logging
@testable import MLMMigrate
import Testing

/// The draft mapping against the committed one for each sample vendor: the mapped fields,
/// their sources and options, the genealogy and ledger rules, compared line by line.
@Suite struct MappingDraftTests {
    /// Field lines the draft may differ by from the committed mapping (lines only in one, counted on both sides).
    static let allowedDifferences = 4

    @Test(arguments: [
        ("vendor1-binaryplan", "vendor1-binaryplan"), ("vendor2-mlmsoft", "vendor2-mlmsoft/export.sqlite"),
    ])
    func draftComesWithinAFewEditsOfTheCommittedMapping(vendor: String, source: String) throws {
        let profile = try Profiler(logger: Logger(label: "test")).profile(source: PackagePaths.sample(source))
        let directory = try TemporaryDirectory()
        let path = try directory.write("draft.yaml", MappingDraft(profile: profile).yaml)
        let draft = MappingLoader.check(path: path)
        #expect(draft.issues.isEmpty, "\(draft.issues)")
        let committed = try #require(MappingLoader.check(path: PackagePaths.mapping(vendor)).mapping)
        let drafted = try #require(draft.mapping)
        let mine = Set(Self.lines(drafted)), theirs = Set(Self.lines(committed))
        let onlyDraft = mine.subtracting(theirs).sorted(), onlyCommitted = theirs.subtracting(mine).sorted()
        let diff = onlyCommitted.map { "- \($0)" } + onlyDraft.map { "+ \($0)" }
        print(
            "draft vs mappings/\(vendor).yaml (\(diff.count) differing lines of \(theirs.count)):\n"
                + diff.joined(separator: "\n"))
        #expect(diff.count <= Self.allowedDifferences, "\(diff.joined(separator: "\n"))")
    }

    @Test func draftReadsSentinelsAsMissingWithNullValues() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write(
            "members.csv",
            """
            id,sponsor,joined,dob
            1,,2020-01-01 10:00:00,1980-02-03
            2,1,2020-01-02 10:00:00,0000-00-00
            3,0,0000-00-00 00:00:00,1981-02-03
            4,2,2020-01-04 10:00:00,1982-02-03
            5,3,2020-01-05 10:00:00,1983-02-03

            """)
        let profile = try Profiler(logger: Logger(label: "test")).profile(source: directory.path)
        let path = try directory.write("draft.yaml", MappingDraft(profile: profile).yaml)
        let checked = MappingLoader.check(path: path)
        #expect(checked.issues.isEmpty, "\(checked.issues)")
        let columns = try #require(checked.mapping?.members.columns)
        #expect(columns.first { $0.field == "sponsor" }?.nullValues == ["0"])
        #expect(columns.first { $0.field == "joined_at" }?.nullValues == ["0000-00-00 00:00:00"])
        #expect(columns.first { $0.field == "date_of_birth" }?.nullValues == ["0000-00-00"])
    }

    /// The members and wallet entities as comparable lines: one per mapped field, source and rule.
    static func lines(_ mapping: Mapping) -> [String] {
        var out: [String] = []
        func source(_ entity: String, _ spec: SourceSpec) {
            switch spec.format {
            case .csv(let options):
                out.append("\(entity).source: csv \(options.encoding.rawValue) \(options.delimiter)")
            case .sqlite(let selection): out.append("\(entity).source: sqlite \(selection)")
            }
        }
        func columns(_ entity: String, _ columns: [ColumnSpec]) {
            for column in columns {
                let kind: String
                switch column.kind {
                case .text: kind = "text"
                case .code(let table):
                    kind =
                        "codes "
                        + table.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                            separator: ",")
                case .timestamp(let format, let zone):
                    kind = "timestamp \(format) \(format.isZoneFree ? "" : zone)"
                case .money(let format): kind = format.minorUnits ? "minor_units" : "money"
                }
                let missing = column.nullValues.isEmpty ? "" : ", null_values \(column.nullValues.sorted())"
                out.append(
                    "\(entity).\(column.field): from \(column.from), \(kind)\(missing)\(column.required ? ", required" : "")\(column.pii ? ", pii" : "")\(column.identity.map { ", identity \($0)" } ?? "")"
                )
            }
        }
        source("members", mapping.members.source)
        columns("members", mapping.members.columns)
        let rules = mapping.members.genealogy
        out.append(
            "members.genealogy: legs \(rules.legs), sponsor \(rules.sponsorKey), placement \(rules.placementKey), root \(rules.root)"
        )
        out.append(
            "members.policies: orphans \(rules.orphanPolicy), ids \(rules.duplicateIDPolicy), persons \(rules.duplicatePersonPolicy)"
        )
        if let ledger = mapping.ledger {
            source("wallet_entries", ledger.entries.source)
            columns("wallet_entries", ledger.entries.columns)
            let sign: String
            switch ledger.rules.amountSign {
            case .signed: sign = "signed"
            case .byKind(let debits): sign = "by_kind " + debits.sorted().joined(separator: ",")
            default: sign = "\(ledger.rules.amountSign)"
            }
            out.append(
                "wallet_entries.ledger: member \(ledger.rules.memberKey), sign \(sign), duplicates \(ledger.rules.duplicateTxnPolicy)"
            )
            if let balances = ledger.balances {
                source("wallet_balances", balances.source)
                columns("wallet_balances", balances.columns)
            }
        }
        return out
    }
}
