import Testing
@testable import MLMMigrate

@Suite struct SQLTextTests {
    @Test func literalDoublesQuotesAndBackslashesInAnEscapeString() {
        #expect(SQLText.literal("gone") == "E'gone'")
        #expect(SQLText.literal("it's") == "E'it''s'")
        // A trailing backslash must not escape the closing quote, whatever standard_conforming_strings says.
        #expect(SQLText.literal("a\\") == "E'a\\\\'")
        #expect(SQLText.literal("x'); DROP TABLE mlm.members; --") == "E'x''); DROP TABLE mlm.members; --'")
    }

    @Test func literalDropsNULWhichPostgreSQLTextCannotHold() {
        #expect(SQLText.literal("a\0b") == "E'ab'")
    }

    @Test func identifierDoublesDoubleQuotes() {
        #expect(SQLText.identifier("members") == "\"members\"")
        #expect(SQLText.identifier("a\"b") == "\"a\"\"b\"")
    }
}
