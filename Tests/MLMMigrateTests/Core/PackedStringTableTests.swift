@testable import MLMMigrate
import Testing

/// Strings packed in one arena are found by their exact bytes, whatever their hashes.
@Suite struct PackedStringTableTests {
    @Test func numbersDistinctStringsInInsertionOrderAndFindsEachAgain() {
        var table = PackedStringTable()
        let keys = (0..<1_000).map { "M\($0)" } + ["", "ü-member", String(repeating: "x", count: 300)]
        for (index, key) in keys.enumerated() {
            let added = table.insert(key)
            #expect(added.index == index && added.inserted)
        }
        #expect(table.count == keys.count)
        for (index, key) in keys.enumerated() {
            #expect(table.index(of: key) == index)
            #expect(table.string(at: index) == key)
        }
        #expect(table.insert("M7").index == 7 && !table.insert("M7").inserted)
        #expect(table.index(of: "M1000") == nil)
        #expect(table.index(of: "M") == nil)
    }

    @Test func keepsKeysApartWhenEveryHashCollides() {
        var table = PackedStringTable(hash: { _ in 42 })
        for key in ["A1", "A2", "A10", "A1 ", "a1"] { table.insert(key) }
        #expect(table.count == 5)
        #expect(table.index(of: "A1") == 0)
        #expect(table.index(of: "A2") == 1)
        #expect(table.index(of: "A10") == 2)
        #expect(table.index(of: "A1 ") == 3)
        #expect(table.index(of: "a1") == 4)
        #expect(table.index(of: "A3") == nil)
        #expect(table.index(of: "A") == nil)
    }

    @Test func matchesTextAsSwiftStringsDoAndRawBytesExactly() {
        var table = PackedStringTable()
        table.insert("caf\u{E9}")
        #expect(table.index(of: "cafe\u{301}") == 0)
        #expect(table.index(of: "caf\u{E9}") == 0)
        #expect(!table.insert("cafe\u{301}").inserted)
        #expect(Array("cafe\u{301}".utf8).withUnsafeBytes { table.index(ofBytes: $0) } == nil)
    }

    @Test func aColumnGivesBackEachValueAndEachNil() {
        var column = PackedStrings()
        let values: [String?] = ["alice", nil, "", "a longer value than fifteen bytes", nil, "ü"]
        for value in values { column.append(value) }
        #expect(column.count == values.count)
        for (index, value) in values.enumerated() { #expect(column[index] == value) }
    }

    @Test func theMemberIDTableKeepsTheLastIDOfALegacyIDAndNamesAnIDsMember() {
        var table = MemberIDTable(hash: { bytes in UInt64(bytes.count) })
        table.set(1, for: "L1")
        table.set(2, for: "L2")
        table.set(3, for: "L1")
        #expect(table.count == 2)
        #expect(table["L1"] == 3)
        #expect(table["L2"] == 2)
        #expect(table["L3"] == nil)
        #expect(table.legacyID(of: 2) == "L2")
        #expect(table.legacyID(of: 9) == nil)
    }

    /// A stage file's escaped field finds the member its decoded text finds: plain ASCII as
    /// bytes, escapes and non-ASCII (compared in NFC) decoded first, `\N` nothing.
    @Test func theMemberIDTableFindsAnEscapedFieldAsItsText() {
        var table = MemberIDTable()
        let ids = ["L1", "a\tb", "back\\slash", "Jos\u{E9}"]
        for (index, id) in ids.enumerated() { table.set(Int64(index + 1), for: id) }
        for id in ids + ["Jose\u{301}", "L2", "\t"] {
            var field: [UInt8] = []
            CopyText.appendField(id, to: &field)
            #expect(field.withUnsafeBufferPointer { table.id(ofField: $0) } == table[id], "\(id)")
        }
        #expect(table["Jose\u{301}"] == 4)
        #expect(Array(#"\N"#.utf8).withUnsafeBufferPointer { table.id(ofField: $0) } == nil)
    }
}

/// The loaded members' source rows, packed for the PII round trip, find each row's member.
@Suite struct SourceRowIndexTests {
    @Test func findsEachLocationsMemberAndKeepsTheLastGivenTwice() throws {
        var index = SourceRowIndex()
        try index.add(SourceLocation(source: "b.csv", line: 2), "M1")
        try index.add(SourceLocation(source: "a.csv", line: 9), "M2")
        try index.add(SourceLocation(source: "a.csv", line: 2), "M3")
        try index.add(SourceLocation(source: "b.csv", line: 2), "M4")
        index.seal()
        #expect(index[SourceLocation(source: "b.csv", line: 2)] == "M4")
        #expect(index[SourceLocation(source: "a.csv", line: 9)] == "M2")
        #expect(index[SourceLocation(source: "a.csv", line: 2)] == "M3")
        #expect(index[SourceLocation(source: "a.csv", line: 3)] == nil)
        #expect(index[SourceLocation(source: "c.csv", line: 2)] == nil)
    }
}
