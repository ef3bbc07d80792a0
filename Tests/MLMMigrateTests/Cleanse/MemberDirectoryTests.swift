@testable import MLMMigrate
import Testing

/// `MemberDirectory` read from the member stage files, decoding only its reference columns.
@Suite struct MemberDirectoryTests {
    /// Values COPY text must escape: NULL, empty, tab, newline, backslash, non-ASCII.
    static let rows: [[String?]] = [
        ["a", nil, "x", "1"],
        ["", "", "", ""],
        ["t\tab", "new\nline", "back\\slash", "\\N"],
        ["é", "zoë", nil, "last"],
    ]

    @Test func scanGivesTheFieldsTheReaderGivesAtThosePositions() throws {
        let directory = try TemporaryDirectory()
        let path = "\(directory.path)/rows.tsv"
        let writer = try StageFileWriter(path: path, columns: ["c0", "c1", "c2", "c3"])
        for row in Self.rows { try writer.append(row) }
        try writer.close()
        for positions in [[0], [1, 3], [3], [0, 1, 2, 3]] {
            var scanned: [[String?]] = []
            try MemberDirectory.scan(try StageFileReader(path: path), fields: positions) { scanned.append($0) }
            #expect(scanned == Self.rows.map { row in positions.map { row[$0] } }, "positions \(positions)")
        }
    }

    @Test func resolvesReferencesFromTheStageFilesByLegacyIDOrUsername() throws {
        let mapping = try #require(MappingLoader.parse(yaml: CommissionCleanserTests.yaml([CommissionCleanserTests.orders])).mapping)
        let directory = try TemporaryDirectory()
        let (extract, cleansed) = ("\(directory.path)/extract.tsv", "\(directory.path)/cleansed.tsv")
        let extractWriter = try StageFileWriter(path: extract, columns: MemberStageLayout.extract(mapping.members))
        for row: [String?] in [
            ["m.csv", "2", nil, nil, " 1 ", "ann", nil, nil], ["m.csv", "3", nil, nil, "2", "bob", "1", "L"],
            ["m.csv", "4", nil, nil, "3", "carl", "1", "L"],
        ] { try extractWriter.append(row) }
        try extractWriter.close()
        let cleansedWriter = try StageFileWriter(path: cleansed, columns: MemberStageLayout.cleansed)
        for row: [String?] in [
            ["m.csv", "2", "1", "ann", nil, "0", nil, nil, nil], ["m.csv", "3", "2", "bob", nil, "0", nil, "1", "left"],
        ] { try cleansedWriter.append(row) }
        try cleansedWriter.close()
        let byID = try MemberDirectory(key: .legacyID, members: mapping.members, extractPath: extract, cleansedPath: cleansed)
        #expect(byID.resolve("1") == .member(legacyID: "1"), "the extract's legacy id is trimmed")
        #expect(byID.resolve("3") == .quarantined)
        #expect(byID.resolve("4") == .unknown)
        let byName = try MemberDirectory(key: .username, members: mapping.members, extractPath: extract, cleansedPath: cleansed)
        #expect(byName.resolve("bob") == .member(legacyID: "2"))
        #expect(byName.resolve("carl") == .quarantined)
        #expect(byName.resolve("2") == .unknown)
    }
}
