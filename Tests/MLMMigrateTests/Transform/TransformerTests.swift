import Logging
import MLMMigrate
import Testing

@Suite struct TransformerTests {
    /// A cleansed file: root `a`; `b` and `c` under it; `d` under `c`; joined in that order.
    private func cleansed(_ directory: TemporaryDirectory) throws -> (members: String, quarantine: String) {
        let members = try StageFileWriter(path: "\(directory.path)/members.tsv", columns: MemberStageLayout.cleansed)
        for (line, row) in [("a", nil, 1), ("b", "a", 2), ("c", "a", 3), ("d", "c", 4)].enumerated() {
            try members.append(["x.csv", String(line + 2), row.0, row.0, "active", String(row.2), row.1, row.1, row.1 == nil ? nil : (row.0 == "c" ? "R" : "L")])
        }
        try members.close()
        let quarantine = try StageFileWriter(path: "\(directory.path)/quarantine.tsv", columns: MemberStageLayout.quarantine)
        try quarantine.close()
        return ("\(directory.path)/members.tsv", "\(directory.path)/quarantine.tsv")
    }

    private func ids(_ path: String) throws -> [String: String] {
        let reader = try StageFileReader(path: path, expecting: MemberStageLayout.idMap)
        var result: [String: String] = [:]
        while let row = try reader.next() { result[row[1] ?? ""] = row[2] ?? "" }
        return result
    }

    @Test func numbersMembersInLoadOrderFromOne() throws {
        let work = try TemporaryDirectory()
        let input = try cleansed(work)
        _ = try Transformer(logger: Logger(label: "test")).run(cleansedPath: input.members, cleanseQuarantinePath: input.quarantine, outputDirectory: work.path)
        #expect(try ids("\(work.path)/id_map.tsv") == ["a": "1", "b": "2", "c": "3", "d": "4"])
    }

    @Test func aDeltaKeepsTheTargetsIdsAndNumbersNewMembersAfterTheHighest() throws {
        let work = try TemporaryDirectory()
        let input = try cleansed(work)
        // The target has a, c (with ids of its own) and once had id 9; b and d are new.
        let target = TargetIDs(ids: ["a": 5, "c": 2], highest: 9)
        let summary = try Transformer(logger: Logger(label: "test")).run(
            cleansedPath: input.members, cleanseQuarantinePath: input.quarantine, outputDirectory: work.path, targetIDs: target
        )
        #expect(summary.members == 4)
        #expect(try ids("\(work.path)/id_map.tsv") == ["a": "5", "c": "2", "b": "10", "d": "11"])
        // The file is in member_id order, parents resolved to the kept ids.
        let reader = try StageFileReader(path: "\(work.path)/members.tsv", expecting: MemberStageLayout.members)
        var rows: [[String?]] = []
        while let row = try reader.next() { rows.append([row[0], row[1], row[5]]) }
        #expect(rows == [["2", "c", "5"], ["5", "a", nil], ["10", "b", "5"], ["11", "d", "2"]])
    }

    @Test func targetIDsRoundTripThroughTheirFileAndSummariseTheTarget() throws {
        let work = try TemporaryDirectory()
        let ids = TargetIDs(ids: ["m1": 1, "m2": 3], highest: 7)
        try ids.write(to: "\(work.path)/target_ids.tsv")
        let read = try TargetIDs.read(from: "\(work.path)/target_ids.tsv")
        #expect(read.ids == ids.ids && read.highest == 7)
        #expect(read.basis == ids.basis && read.basis.members == 2)
        #expect(TargetIDs(ids: ["m1": 1, "m2": 4], highest: 7).basis != ids.basis)
    }
}
