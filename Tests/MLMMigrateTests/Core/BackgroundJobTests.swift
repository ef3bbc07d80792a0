import Dispatch
import Testing
@testable import MLMMigrate

@Suite struct BackgroundJobTests {
    @Test func handsBackTheJobsValue() throws {
        let job = BackgroundJob(name: "test.value") { () throws(MigrationError) in (1...1_000).reduce(0, +) }
        #expect(try job.wait() == 500_500)
    }

    @Test func rethrowsTheJobsError() {
        let job = BackgroundJob(name: "test.error") { () throws(MigrationError) -> Int in
            throw MigrationError(.sourceMissing, "members.csv is missing")
        }
        let error = #expect(throws: MigrationError.self) { try job.wait() }
        #expect(error?.code == ErrorCode.sourceMissing.rawValue)
    }

    @Test func runsWhileTheCallerWaitsForIt() throws {
        // The job can only finish once the caller signals: it runs on its own thread.
        let go = DispatchSemaphore(value: 0)
        let job = BackgroundJob(name: "test.concurrent") { () throws(MigrationError) -> String in
            guard go.wait(timeout: .now() + 30) == .success else { return "never signalled" }
            return "ran beside the caller"
        }
        go.signal()
        #expect(try job.wait() == "ran beside the caller")
    }
}
