public import Logging

/// The commands that work on a loaded target outside the stages: verify-ledger, key rotation,
/// erasure, rollback, restore points, full snapshots and restore. Each opens its own connection;
/// none reads a stage file.
public struct TargetOperations {
    public let work: WorkDirectory
    public let logger: Logger
    /// The key-encryption key, for the operations that unwrap data keys. Held in memory only.
    public let kek: KeyEncryptionKey?
    /// How a target reached over TCP must be encrypted.
    public var transport = TransportPolicy()

    public init(work: WorkDirectory, logger: Logger, kek: KeyEncryptionKey?) {
        self.work = work
        self.logger = logger
        self.kek = kek
    }

    /// Re-reads the target's ledger and recomputes every hash (`mlm-migrate verify-ledger`);
    /// `runID` nil means the newest run with a ledger.
    public func verifyLedger(target: String?, runID: Int?) throws(MigrationError) -> (LedgerVerification, runID: Int, ConnectedTarget) {
        let (connection, described) = try connect(target, fresh: false)
        let verifier = LedgerVerifier(connection: connection)
        let run: Int
        if let runID { run = runID } else { run = try verifier.latestLedgerRun() }
        return (try verifier.verify(runID: run), run, described)
    }

    /// Re-wraps the target's data keys from ``kek`` to `newKEK` (`mlm-migrate keys rotate`).
    public func rotateKeys(target: String?, to newKEK: KeyEncryptionKey, batchSize: Int, maxBatches: Int?) throws(MigrationError) -> KeyRotationSummary {
        guard let kek else {
            throw MigrationError(.keysKEKMissing, "rotation unwraps every data key with the current key: give --kek-file or set \(KeyEncryptionKey.environmentVariable)")
        }
        var rotator = KeyRotator(connection: try connect(target, fresh: false).0, from: kek, to: newKEK, logger: logger)
        rotator.batchSize = batchSize
        return try rotator.run(maxBatches: maxBatches)
    }

    /// Crypto-shreds one member's PII in the target (`mlm-migrate erase`).
    public func erase(target: String?, legacyID: String, reason: String?) throws(MigrationError) -> ErasureSummary {
        try MemberEraser(connection: try connect(target, fresh: false).0, logger: logger).erase(legacyID: legacyID, reason: reason)
    }

    /// Undoes what run `runID` wrote after batch `toBatch` (0: all of it) (`mlm-migrate rollback`).
    public func rollback(target: String?, runID: Int, toBatch: Int) throws(MigrationError) -> RollbackSummary {
        try RunRollback(connection: try connect(target, fresh: false).0, logger: logger).rollback(runID: runID, toBatch: toBatch)
    }

    /// The batch boundaries the target can be rolled back to (`mlm-migrate snapshots`).
    public func restorePoints(target: String?) throws(MigrationError) -> [RestorePoint] {
        try RunRollback(connection: try connect(target, fresh: false).0, logger: logger).restorePoints()
    }

    /// `pg_dump` of the target's schemas to `path`, with `path.sha256` (`mlm-migrate snapshot --full`).
    public func snapshot(target: String?, to path: String) throws(MigrationError) -> String {
        try FullSnapshot(connection: try connect(target, fresh: false).0, logger: logger).take(to: path)
    }

    /// Replaces the target's schemas with a checked snapshot, re-applying later erasures (`mlm-migrate restore`).
    public func restore(target: String?, from path: String) throws(MigrationError) -> FullSnapshot.Restored {
        try FullSnapshot(connection: try connect(target, fresh: false).0, logger: logger).restore(from: path, scratch: work.path)
    }

    /// Recomputes closed period `period` from the target with the mapping's plan and compares it
    /// with the legacy payouts and carries (`mlm-migrate parallel-run`); writes
    /// `parallel-run-<period>.json` and `.md` into the work directory. `mappingPath` nil: the
    /// work directory's mapping copy.
    public func parallelRun(target: String?, period: String, mappingPath: String?) throws(MigrationError) -> (ParallelRunSummary, json: String, markdown: String) {
        let mapping = try MappingLoader.load(path: mappingPath ?? work.mappingCopy)
        let summary = try ParallelRun(connection: try connect(target, fresh: false).0, mapping: mapping, logger: logger).run(period: period)
        let paths = try ParallelRunReport.write(summary, to: work.path)
        return (summary, paths.json, paths.markdown)
    }

    /// Run `runID`'s exceptions register (nil: the newest loaded run), counted, and written to
    /// `path` as `exceptions.csv` when given (`mlm-migrate exceptions`).
    public func exceptions(target: String?, runID: Int?, writeTo path: String?) throws(MigrationError) -> ExceptionFigures {
        let reader = ExceptionReader(connection: try connect(target, fresh: false).0)
        let run: Int
        if let runID { run = runID } else { run = try reader.latestRun() }
        return try ExceptionsCSV.write(to: path, runID: run, decisions: try reader.decisions()) { each throws(MigrationError) in
            try reader.forEach(runID: run, each)
        }
    }

    /// Records the decisions of a sign-off file, made by `person` (`mlm-migrate sign-off`).
    public func signOff(target: String?, file: String, by person: String) throws(MigrationError) -> SignOffSummary {
        try SignOff(connection: try connect(target, fresh: false).0).record(path: file, by: person)
    }

    /// How far run `runID` (nil: the newest) is, from the target's own tables (`mlm-migrate status`).
    public func status(target: String?, runID: Int?) throws(MigrationError) -> RunStatus {
        try RunStatusReader(connection: try connect(target, fresh: false).0).read(runID: runID)
    }

    func connect(_ target: String?, fresh: Bool) throws(MigrationError) -> (PostgresConnection, ConnectedTarget) {
        try TargetConnector(work: work, logger: logger, transport: transport).connect(target, fresh: fresh)
    }
}
