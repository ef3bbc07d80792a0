public import Foundation
import Glibc
import Synchronization

/// The work directory: stage outputs, the mapping copy, the run manifest and the reports.
///
/// Layout: `mapping.yaml`, `manifest.json`, `extract/`, `cleanse/`, `transform/`,
/// `report.json`, `report.md`, `.lock`, and, for the embedded default, `embedded-postgres.json`
/// and `postgres/`. The directories are mode 0700 and every file the tool writes 0600 (set
/// explicitly, whatever the umask or a pre-existing directory's mode): PII is there only as
/// protected tokens, but the tokens, the mapping and the counts are still the company's.
public struct WorkDirectory: Sendable {
    public let path: String

    public init(path: String) throws(MigrationError) {
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
        for stage in [""] + StageFile.stageDirectories.map({ "/" + $0 }) {
            let directory = self.path + stage
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw MigrationError(.workdirUnwritable, "cannot create work directory \(directory)")
            }
            // An embedded cluster an older version placed inside must stay reachable by the
            // `postgres` user: search only (0711) for others then, never listing or reading.
            let mode: mode_t = stage.isEmpty && Self.holdsForeignCluster(self.path) ? 0o711 : 0o700
            guard chmod(directory, mode) == 0 else {
                throw MigrationError(.workdirUnwritable, "cannot restrict \(directory) to its owner (mode 0700): \(String(cString: strerror(errno)))")
            }
        }
    }

    public func file(_ relative: String) -> String { "\(path)/\(relative)" }

    public var mappingCopy: String { file("mapping.yaml") }
    public var manifestFile: String { file("manifest.json") }
    public var lockFile: String { file(".lock") }

    public func readManifest() throws(MigrationError) -> RunManifest {
        guard let data = FileManager.default.contents(atPath: manifestFile) else {
            throw MigrationError(.workdirNoManifest, "\(path) holds no extract yet; run `mlm-migrate extract` (or `run`) first")
        }
        do {
            return try JSONDecoder().decode(RunManifest.self, from: data)
        } catch {
            throw MigrationError(.workdirCorrupt, "\(manifestFile) cannot be read; run extract again")
        }
    }

    /// The manifest, or nil when the directory holds none yet.
    public func existingManifest() throws(MigrationError) -> RunManifest? {
        FileManager.default.fileExists(atPath: manifestFile) ? try readManifest() : nil
    }

    public func writeManifest(_ manifest: RunManifest) throws(MigrationError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(manifest)
        } catch {
            throw MigrationError(.internalUnexpected, "cannot encode \(manifestFile)")
        }
        try AtomicFile.write(Array(data), to: manifestFile)
    }

    private static func holdsForeignCluster(_ path: String) -> Bool {
        var info = stat()
        return stat("\(path)/postgres", &info) == 0 && info.st_uid != geteuid()
    }
}

extension WorkDirectory {
    /// Work directories this process holds the lock of, with the lock file's descriptor.
    private static let held = Mutex<[String: Int32]>([:])

    /// Takes this work directory's lock (`flock` on `.lock`) for the rest of the process, so no
    /// two commands write one work directory at once: `workdir.locked` names the directory and
    /// the holder's process id. The kernel releases the lock when the process ends, however it
    /// ends (a kill too); the descriptor is close-on-exec, so no child (pg_ctl's server) keeps it.
    public func lock() throws(MigrationError) {
        try Self.held.withLock { held throws(MigrationError) in
            guard held[path] == nil else { return }
            let fd = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0, fchmod(fd, 0o600) == 0 else {
                if fd >= 0 { close(fd) }
                throw MigrationError(.workdirUnwritable, "cannot create the lock file \(lockFile): \(String(cString: strerror(errno)))")
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let busy = errno == EWOULDBLOCK
                let reason = String(cString: strerror(errno))
                let holder = Self.holder(fd)
                close(fd)
                guard busy else { throw MigrationError(.workdirUnwritable, "cannot lock \(lockFile): \(reason)") }
                throw MigrationError(
                    .workdirLocked,
                    "work directory \(path) is in use by another mlm-migrate command\(holder.map { " (process \($0))" } ?? ""); "
                        + "wait for it to finish, or give this command another --work-dir"
                )
            }
            let pid = Array("\(getpid())\n".utf8)
            ftruncate(fd, 0)
            _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            held[path] = fd
        }
    }

    /// The process id the lock's holder wrote into the lock file, when readable.
    private static func holder(_ fd: Int32) -> Int? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int(String(decoding: bytes[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// What the stages have done so far in a work directory; each stage reads its predecessor's
/// summary from here and adds its own.
public struct RunManifest: Codable, Sendable {
    public var source: String
    public var mappingDigest: String
    public var extract: ExtractSummary?
    public var cleanse: CleanseSummary?
    public var transform: TransformSummary?
    /// Drawn at random by each transform: names its output, so a load resumes only the run
    /// that came from these very files.
    public var workID: String?
    /// The export's fingerprint at extract (``SourceFiles/fingerprint(source:)``).
    public var sourceFingerprint: String?
    /// A load of this work directory started and has not finished (killed, failed or paused):
    /// `run` resumes it instead of extracting again while the export is unchanged.
    public var loadPending: Bool?
    /// `run` transformed the members only: the ledger and commission state are transformed by
    /// the load, beside the members' batches (``Pipeline/load(target:)``), which then clears this.
    public var transformPending: Bool?
    /// Set by `transform --delta`: the target its member ids were numbered against.
    public var delta: DeltaBasis?
    public var load: LoadSummary?
    /// Reconcile wrote its report for the load above: the run is finished, and a new extract
    /// may replace this directory's contents.
    public var reconciled: Bool?
    /// Ledger stages, when the mapping has a ledger.
    public var ledgerExtract: LedgerExtractSummary?
    public var ledgerCleanse: LedgerCleanseSummary?
    public var ledgerTransform: LedgerTransformSummary?
    /// Commission stages, when the mapping has commission entities.
    public var commissionExtract: [ExtractSummary]?
    public var commissionCleanse: CommissionCleanseSummary?
    public var commissionTransform: CommissionTransformSummary?
    /// The closed period given at extract (`--commission-period`), overriding the mapping's.
    public var commissionPeriod: String?
    /// Each stage's time, in pipeline order (``StageTiming``).
    public var timings: [StageTiming]?
    /// Stages after which `run` removed the stage files nothing later reads
    /// (``StageFile/released(after:)``): running a stage that reads them means extracting again.
    public var releasedAfter: [String]?
}

extension RunManifest {
    /// Where the run of a work directory stands, as far as overwriting its files is concerned.
    public enum RunState: Sendable {
        /// Nothing loaded from these files (or no manifest).
        case nothingLoaded
        /// A load started and has not finished (killed, failed or paused).
        case loadUnfinished
        /// Loaded, not yet reconciled.
        case unreconciled
        /// Loaded and reconciled.
        case finished
    }

    public var runState: RunState {
        if loadPending == true { return .loadUnfinished }
        guard load != nil else { return .nothingLoaded }
        return reconciled == true ? .finished : .unreconciled
    }

    /// Records that `run` removes (or removed) the files nothing reads after `stage`.
    public mutating func markReleased(after stage: String) {
        if releasedAfter?.contains(stage) != true { releasedAfter = (releasedAfter ?? []) + [stage] }
    }

    /// The stages a re-run of a stage makes stale.
    public enum Stage: Sendable { case cleanse, transform }

    /// Forgets `stage` and every later one, before that stage rewrites its files: a kill while
    /// it runs then leaves a manifest that claims only what the files still hold.
    public mutating func clearStages(from stage: Stage) {
        if stage == .cleanse {
            cleanse = nil
            ledgerCleanse = nil
            commissionCleanse = nil
        }
        transform = nil
        transformPending = nil
        ledgerTransform = nil
        commissionTransform = nil
        delta = nil
        workID = nil
        load = nil
        loadPending = nil
        reconciled = nil
        let kept = stage == .cleanse ? ["extract"] : ["extract", "cleanse"]
        timings = timings?.filter { kept.contains($0.stage) }
    }
}

/// Transform's ledger and commission parts: their summaries, and how long they took.
public struct TransformRest: Sendable {
    public var ledger: LedgerTransformSummary?
    public var commission: CommissionTransformSummary?
    public var milliseconds = 0
}

extension RunManifest {
    /// Records Transform's ledger and commission parts: Transform is done.
    mutating func record(_ rest: TransformRest) {
        ledgerTransform = rest.ledger
        commissionTransform = rest.commission
        transformPending = nil
        recordTiming("transform", milliseconds: rest.milliseconds, adding: true)
    }
}

/// What Extract read of the ledger entities.
public struct LedgerExtractSummary: Codable, Sendable, Equatable {
    public var entries: ExtractSummary
    public var balances: ExtractSummary?
}
