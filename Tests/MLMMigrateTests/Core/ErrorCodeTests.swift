import Testing
@testable import MLMMigrate

@Suite struct ErrorCodeTests {
    @Test func everyCodeIsLowercaseDottedAndDeclaredOnce() {
        let raw = ErrorCode.all.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        for code in raw {
            #expect(code.wholeMatch(of: /[a-z]+(\.[a-z_]+)+/) != nil, "\(code)")
        }
    }

    @Test func snapshotToolFailuresHaveTheirOwnCodes() {
        #expect(ErrorCode.snapshotToolFailed["pg_dump"] == .snapshotDumpFailed)
        #expect(ErrorCode.snapshotToolFailed["pg_restore"] == .snapshotRestoreFailed)
        #expect(ErrorCode.snapshotToolFailed["psql"] == .snapshotPsqlFailed)
        for code in ErrorCode.snapshotToolFailed.values { #expect(ErrorCode.all.contains(code)) }
    }

    @Test func anErrorPrintsItsCodeInBrackets() {
        #expect(MigrationError(.sourceMissing, "no export").description == "no export [source.missing]")
    }
}
