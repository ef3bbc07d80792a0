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

    /// The two member files (extract, cleansed) of three members: ann (her legacy id with spaces
    /// around it in the extract) and bob accepted, carl quarantined.
    static func memberFiles(_ mapping: Mapping, in directory: TemporaryDirectory) throws -> (extract: String, cleansed: String) {
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
        return (extract, cleansed)
    }

    @Test func resolvesReferencesFromTheStageFilesByLegacyIDOrUsername() throws {
        let mapping = try #require(MappingLoader.parse(yaml: CommissionCleanserTests.yaml([CommissionCleanserTests.orders])).mapping)
        let directory = try TemporaryDirectory()
        let (extract, cleansed) = try Self.memberFiles(mapping, in: directory)
        let byID = try MemberDirectory(key: .legacyID, members: mapping.members, extractPath: extract, cleansedPath: cleansed)
        #expect(byID.resolve("1") == .member(legacyID: "1"), "the extract's legacy id is trimmed")
        #expect(byID.resolve("3") == .quarantined)
        #expect(byID.resolve("4") == .unknown)
        let byName = try MemberDirectory(key: .username, members: mapping.members, extractPath: extract, cleansedPath: cleansed)
        #expect(byName.resolve("bob") == .member(legacyID: "2"))
        #expect(byName.resolve("carl") == .quarantined)
        #expect(byName.resolve("2") == .unknown)
    }

    /// The shared directories read both keys in one scan of each file and resolve as two
    /// directories built apart do; a key not announced is built on its own when asked for.
    @Test func sharedDirectoriesResolveAsDirectoriesBuiltApart() throws {
        let mapping = try #require(MappingLoader.parse(yaml: CommissionCleanserTests.yaml([CommissionCleanserTests.orders])).mapping)
        let directory = try TemporaryDirectory()
        let (extract, cleansed) = try Self.memberFiles(mapping, in: directory)
        let references = ["1", " 1 ", "2", "3", "4", "ann", "bob", "carl", "dan", ""]
        for announced: Set<ReferenceKey> in [[.legacyID, .username], [.username], []] {
            let shared = MemberDirectories(keys: announced, members: mapping.members, extractPath: extract, cleansedPath: cleansed)
            for key in [ReferenceKey.username, .legacyID] {
                let apart = try MemberDirectory(key: key, members: mapping.members, extractPath: extract, cleansedPath: cleansed)
                let together = try shared.directory(key)
                for reference in references {
                    #expect(together.resolve(reference) == apart.resolve(reference), "\(key) \(reference) announced \(announced)")
                }
            }
        }
        let both = try MemberDirectory.build(keys: [.username, .legacyID], members: mapping.members, extractPath: extract, cleansedPath: cleansed)
        #expect(both[0].resolve("bob") == .member(legacyID: "2"))
        #expect(both[1].resolve("2") == .member(legacyID: "2"))
        #expect(both[1].resolve("bob") == .unknown)
    }
}
