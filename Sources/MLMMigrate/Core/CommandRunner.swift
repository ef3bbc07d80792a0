public import Foundation
import Glibc

/// Runs an external program to completion with `posix_spawn` and `waitpid`, capturing its
/// output. (Foundation's `Process` was seen here to hang in `waitUntilExit` on a zombie child.)
public enum CommandRunner {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var errorOutput: String
    }

    /// The variables a child gets from this process: locale, time zone, search path and home.
    /// Nothing else passes, so no secret (`MLM_MIGRATE_KEK`, `PGPASSWORD`...) reaches a child,
    /// nor a daemon it starts that outlives the run (pg_ctl's postmaster).
    public static let inheritedVariables: Set<String> = ["PATH", "LANG", "LANGUAGE", "TZ", "HOME", "TMPDIR"]

    /// The environment a child starts with: ``inheritedVariables`` and `LC_*` from this process,
    /// then `extra` (a caller's deliberate additions, such as libpq's `PG*` for `pg_dump`).
    public static func childEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        let inherited = ProcessInfo.processInfo.environment.filter { inheritedVariables.contains($0.key) || $0.key.hasPrefix("LC_") }
        return inherited.merging(extra) { $1 }
    }

    /// Runs `executable` with `arguments` (no shell) and stdin from /dev/null. Output goes to
    /// unlinked temporary files, not pipes: a daemon the program starts (pg_ctl's postmaster)
    /// may inherit the descriptors and would hold a pipe open forever. Standard error is merged
    /// into `output` unless `separateErrors` is set. The child's environment is
    /// ``childEnvironment(_:)`` with `environment` added: never this process's whole one.
    /// With `killAfter`, the program is sent SIGKILL if still running after that many seconds
    /// (fault-injection tests); its status is then 137. With `killWhen`, likewise as soon as it
    /// returns true (asked every 20 ms: a rehearsal kills a load after a number of batches).
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], separateErrors: Bool = false,
        killAfter: Double? = nil, killWhen: (() -> Bool)? = nil
    ) throws(MigrationError) -> Result {
        let out = try temporaryFile(for: executable)
        defer { close(out) }
        let err = separateErrors ? try temporaryFile(for: executable) : out
        defer { if separateErrors { close(err) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out, 1)
        posix_spawn_file_actions_adddup2(&actions, err, 2)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?] = childEnvironment(environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw MigrationError(.systemExecFailed, "cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        if killAfter != nil || killWhen != nil {
            let deadline = killAfter.map { Date().addingTimeInterval($0) } ?? .distantFuture
            var nextAsk = Date()
            while true {
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid || (reaped < 0 && errno != EINTR) { break }
                var ask = false
                if let killWhen, Date() >= nextAsk {
                    nextAsk = Date().addingTimeInterval(0.02)
                    ask = killWhen()
                }
                if Date() >= deadline || ask {
                    kill(pid, SIGKILL)
                    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                    break
                }
                usleep(2_000)
            }
        } else {
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        let exitCode: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Result(status: exitCode, output: readAll(out), errorOutput: separateErrors ? readAll(err) : "")
    }

    private static func temporaryFile(for executable: String) throws(MigrationError) -> Int32 {
        var template = Array("/tmp/mlm-migrate-cmd-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard fd >= 0 else { throw MigrationError(.systemExecFailed, "cannot create a temporary file to run \(executable)") }
        unlink(String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
        return fd
    }

    private static func readAll(_ fd: Int32) -> String {
        lseek(fd, 0, SEEK_SET)
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            data.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The first executable named `name` on PATH, or nil.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
