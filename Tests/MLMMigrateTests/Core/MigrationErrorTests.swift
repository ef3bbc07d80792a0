import MLMMigrate
import Testing

@Suite struct MigrationErrorTests {
    @Test func retriesLostConnectionsAndTheDatabasesOwnRetryRequestsOnly() {
        #expect(MigrationError(ErrorCode(rawValue: "target.connection_lost"), "lost").isTransient)
        for state in ["40001", "40P01", "57P01", "57P03", "53300", "08006", "08001"] {
            #expect(MigrationError(ErrorCode(rawValue: "target.sql_failed"), "x", sqlState: state).isTransient, "\(state)")
        }
        for state in ["22P02", "23505", "23503", "42P01", "42501", "53100"] {
            #expect(!MigrationError(ErrorCode(rawValue: "target.sql_failed"), "x", sqlState: state).isTransient, "\(state)")
        }
        #expect(!MigrationError(ErrorCode(rawValue: "target.unreachable"), "no server").isTransient)
        #expect(!MigrationError(ErrorCode(rawValue: "workdir.corrupt"), "x").isTransient)
    }
}
