import Foundation
import Logging
@testable import MLMMigrate
import Testing

@Suite struct ProfilerTests {
    private func profile(_ files: [String: String], keyLimit: Int? = nil) throws -> Profile {
        let directory = try TemporaryDirectory()
        for (name, text) in files { _ = try directory.write(name, text) }
        var profiler = Profiler(logger: Logger(label: "test"))
        if let keyLimit { profiler.keyLimit = keyLimit }
        return try profiler.profile(source: directory.path)
    }

    private static let members = """
        id,sponsor,joined,dob,amount,note
        1,,2020-01-01 10:00:00,0000-00-00,10.5,x
        2,1,2020-01-02 10:00:00,1980-02-03,10.199999999999999,N/A
        3,1,2020-01-03 10:00:00,1981-02-03,3.25,y
        4,2,0000-00-00 00:00:00,1982-02-03,4,N/A
        5,0,2020-01-05 10:00:00,1983-02-03,10.005,z
        6,6,2020-01-06 10:00:00,1984-02-03,1,z
        7,8,2020-01-07 10:00:00,1985-02-03,1,z
        8,9,2020-01-08 10:00:00,1986-02-03,1,z
        9,7,2020-01-09 10:00:00,1987-02-03,1,z
        10,3,2020-01-10 10:00:00,1988-02-03,1,z

        """

    @Test func findsSentinelsFloatNoiseSelfReferencesAndCycles() throws {
        let profile = try profile(["members.csv": Self.members])
        let table = try #require(profile.table("members"))
        #expect(table.rows == 10)
        let id = try #require(table.column("id"))
        #expect(id.keyCandidate && id.unique && id.keySet == "kept")
        #expect(
            try #require(table.column("joined")).sentinels == [
                SentinelCount(value: "0000-00-00 00:00:00", count: 1)
            ])
        #expect(try #require(table.column("dob")).sentinels == [SentinelCount(value: "0000-00-00", count: 1)])
        #expect(try #require(table.column("sponsor")).sentinels == [SentinelCount(value: "0", count: 1)])
        #expect(try #require(table.column("note")).sentinels == [SentinelCount(value: "N/A", count: 2)])
        let money = try #require(table.column("amount")?.money)
        #expect(money.artefacts2 == 1 && money.subMinor2 == 1)
        let sponsor = try #require(profile.references.first { $0.fromColumn == "sponsor" })
        #expect(sponsor.toColumn == "id" && sponsor.selfReference)
        #expect(sponsor.values == 9 && sponsor.matched == 8)
        #expect(sponsor.selfLoops == 1)
        #expect(sponsor.cycles == 1 && sponsor.rowsOnCycles == 3)
        let codes = Set(profile.findings.map(\.code))
        for code in [
            "profile.sentinels", "profile.float_artefacts", "profile.sub_minor_amounts",
            "profile.orphan_references",
            "profile.self_references", "profile.reference_cycles",
        ] {
            #expect(codes.contains(code), "\(code)")
        }
    }

    @Test func listsMalformedRecordsByLineAndLeavesThemOutOfTheStatistics() throws {
        let text = "id,name\r\n1,a\r\n2,\"b\"x\r\n3,c,extra\r\n4,d\r\n"
        let profile = try profile(["t.csv": text])
        let csv = try #require(profile.table("t")?.csv)
        #expect(csv.malformedLines == [3])
        #expect(csv.fieldCountMismatchLines == [4])
        #expect(csv.lineEndings == LineEndingCounts(crlf: 5, lf: 0, cr: 0))
        #expect(profile.table("t")?.rows == 2)
    }

    @Test func tellsWindows1252FromUTF8AndFlagsAByteOrderMarkOnIt() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write(
            "t.csv", [0xEF, 0xBB, 0xBF] + Array("id,name\n1,O".utf8) + [0x92] + Array("Brien\n2,Ann\n".utf8))
        let profile = try Profiler(logger: Logger(label: "test")).profile(source: directory.path)
        let table = try #require(profile.table("t"))
        #expect(table.csv?.byteOrderMark == true)
        #expect(table.encoding.guess == "windows-1252")
        #expect(profile.findings.contains { $0.code == "profile.encoding_mix" })
    }

    @Test func reportsAKeyTooLargeToKeepInsteadOfMatchingAgainstIt() throws {
        let rows = (1...50).map { "\($0),\($0 == 1 ? "" : String($0 - 1))" }.joined(separator: "\n")
        let profile = try profile(["m.csv": "id,parent\n" + rows + "\n"], keyLimit: 20)
        let id = try #require(profile.table("m")?.column("id"))
        #expect(id.keyCandidate)
        #expect(id.keySet == "not computed (too many keys)")
        #expect(
            profile.references.contains { $0.toColumn == "id" && $0.status == "not computed (too many keys)" }
        )
    }

    @Test func givesTheSameJSONForTheSameExport() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write("members.csv", Self.members)
        let one = try Profiler(logger: Logger(label: "test")).profile(source: directory.path).jsonData()
        let two = try Profiler(logger: Logger(label: "test")).profile(source: directory.path).jsonData()
        #expect(one == two)
    }

    @Test func findsCyclesInAParentGraph() {
        let edges: [UInt64: UInt64] = [1: 2, 2: 3, 3: 1, 4: 1, 5: 5, 6: 7, 7: 6, 8: 99]
        let found = ReferenceFinder.cycles(edges)
        #expect(found.cycles == 2 && found.rows == 5)
    }

    @Test func namesTheMissingSourceWithoutReadingIt() throws {
        #expect(throws: MigrationError.self) {
            try Profiler(logger: Logger(label: "test")).profile(source: "/nonexistent/export")
        }
    }
}
