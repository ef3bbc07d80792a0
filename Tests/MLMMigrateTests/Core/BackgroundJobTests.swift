import Dispatch
import Foundation
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

extension BackgroundJobTests {
    @Test func alongsideHandsBackBothValues() throws {
        let job = BackgroundJob(name: "test.alongside") { () throws(MigrationError) in "job" }
        let (mine, its) = try job.alongside { () throws(MigrationError) in 42 }
        #expect(mine == 42 && its == "job")
    }

    @Test func alongsideWaitsForTheJobWhenTheCallersPartFailsAndRethrowsThatError() {
        let finished = LockedFlag()
        let job = BackgroundJob(name: "test.alongside.error") { () throws(MigrationError) -> Int in
            Thread.sleep(forTimeInterval: 0.2)
            finished.set()
            throw MigrationError(.sourceUnreadable, "the job's own error")
        }
        let error = #expect(throws: MigrationError.self) {
            try job.alongside { () throws(MigrationError) -> Int in throw MigrationError(.sourceMissing, "the caller's error") }
        }
        #expect(error?.code == ErrorCode.sourceMissing.rawValue)
        #expect(finished.value, "alongside returned before the job ended")
    }
}

/// A flag one thread sets and another reads.
private final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    func set() { lock.withLock { flag = true } }
    var value: Bool { lock.withLock { flag } }
}
