import Dispatch
import Foundation

/// One job on its own thread while the caller goes on with other work; ``wait()`` hands back
/// its value or rethrows its error. For independent parts of one stage (the ledger's files
/// extracted while the members' are, the PII round trip checked while the ledger is), so a
/// 2-core machine is not left with one core idle.
///
/// The job must not share mutable state with the caller: it gets its own readers, writers and
/// database connection.
final class BackgroundJob<Value>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let job: () throws(MigrationError) -> Value
    /// Written by the job's thread before it signals `done`; read after `done` only.
    private var outcome: Result<Value, MigrationError>?

    /// Starts `job` at once on a new thread named `name`.
    init(name: String, _ job: @escaping () throws(MigrationError) -> Value) {
        self.job = job
        let thread = Thread { [self] in
            do throws(MigrationError) {
                outcome = .success(try self.job())
            } catch {
                outcome = .failure(error)
            }
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Runs `body` on the caller's thread while the job runs, then waits for the job even when
    /// `body` threw, so nothing of it outlives the call; `body`'s error comes first, then the
    /// job's. `body` may itself ``wait()`` for the job.
    func alongside<Other>(_ body: () throws(MigrationError) -> Other) throws(MigrationError) -> (Other, Value) {
        let other: Other
        do throws(MigrationError) {
            other = try body()
        } catch {
            _ = try? wait()
            throw error
        }
        return (other, try wait())
    }

    /// Waits for the job; its value, or the error it threw. Later calls return the same at once.
    func wait() throws(MigrationError) -> Value {
        done.wait()
        // Lets the next wait through: the job has ended, its outcome is final.
        done.signal()
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw error
        case nil: throw MigrationError(.internalUnexpected, "a background job ended without a result")
        }
    }
}
