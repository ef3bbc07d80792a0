import Foundation
import Glibc
import MLMMigrate

/// The built `mlm-migrate` started in the background, to be killed (SIGKILL) at a chosen point
/// of its work (a stage file appeared, a batch committed) rather than after a guessed delay.
final class KillableTool {
    let pid: pid_t
    private let errors: Int32
    private var status: Int32?

    /// Starts `mlm-migrate arguments`; stdout is discarded, stderr kept for ``stderr``.
    init(_ arguments: [String]) throws {
        var template = Array("/tmp/mlm-migrate-killable-XXXXXX".utf8CString)
        errors = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        unlink(String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, errors, 2)
        let executable = PackagePaths.executable("mlm-migrate")
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else {
            throw MigrationError(.testSetup, "cannot start \(executable)")
        }
        self.pid = pid
    }

    deinit {
        if status == nil {
            Glibc.kill(pid, SIGKILL)
            _ = wait()
        }
        close(errors)
    }

    /// Polls `condition` every 2 ms while the process runs and kills it once the condition
    /// holds; returns whether it was killed (false: it ended first, or `timeout` passed).
    @discardableResult
    func kill(when condition: () -> Bool, timeout: Double = 120) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if isFinished { return false }
            if condition() {
                if isFinished { return false }
                Glibc.kill(pid, SIGKILL)
                return wait() == 137
            }
            usleep(2_000)
        }
        return false
    }

    /// Whether the process has ended (reaping it).
    var isFinished: Bool {
        if status != nil { return true }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return false }
        status = Self.exitCode(raw)
        return true
    }

    /// Waits for the process to end; its exit code (128 + signal when killed).
    @discardableResult
    func wait() -> Int32 {
        if let status { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        status = Self.exitCode(raw)
        return status ?? -1
    }

    var stderr: String {
        lseek(errors, 0, SEEK_SET)
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(errors, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            data.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func exitCode(_ raw: Int32) -> Int32 { (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F) }

    /// Whether `path` exists and holds at least `bytes` bytes.
    static func fileHolds(_ path: String, bytes: Int = 1) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && Int(info.st_size) >= bytes
    }
}
