/// A stable, lowercase, dotted code naming why a command stopped (`source.missing`,
/// `target.auth_failed`): printed in brackets after the message, and the part of an error that
/// scripts and runbooks match on. Never rename one; add a new code instead. Every code a command
/// can stop with is declared here, so a new one is one line in the group of its area.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static let deltaKEKDiffers = ErrorCode(rawValue: "delta.kek_differs")
    public static let deltaTargetChanged = ErrorCode(rawValue: "delta.target_changed")

    public static let embeddedFailed = ErrorCode(rawValue: "embedded.failed")
    public static let embeddedNoPostgres = ErrorCode(rawValue: "embedded.no_postgres")

    public static let evidenceNoReport = ErrorCode(rawValue: "evidence.no_report")
    public static let evidencePackUnreadable = ErrorCode(rawValue: "evidence.pack_unreadable")
    public static let evidenceTargetDiffers = ErrorCode(rawValue: "evidence.target_differs")
    public static let evidenceUnwritable = ErrorCode(rawValue: "evidence.unwritable")

    public static let eraseNoPII = ErrorCode(rawValue: "erase.no_pii")
    public static let eraseUnknownMember = ErrorCode(rawValue: "erase.unknown_member")

    public static let exceptionsNoRun = ErrorCode(rawValue: "exceptions.no_run")

    public static let genealogyNoFreeLeg = ErrorCode(rawValue: "genealogy.no_free_leg")
    public static let genealogyNoRoot = ErrorCode(rawValue: "genealogy.no_root")
    public static let genealogyOrphan = ErrorCode(rawValue: "genealogy.orphan")
    public static let genealogyRootMissing = ErrorCode(rawValue: "genealogy.root_missing")

    public static let signoffInvalid = ErrorCode(rawValue: "signoff.invalid")
    public static let signoffUnreadable = ErrorCode(rawValue: "signoff.unreadable")

    public static let snapshotDumpFailed = ErrorCode(rawValue: "snapshot.dump_failed")
    public static let snapshotRestoreFailed = ErrorCode(rawValue: "snapshot.restore_failed")
    public static let snapshotPsqlFailed = ErrorCode(rawValue: "snapshot.psql_failed")
    /// The code a PostgreSQL client program's failure stops a snapshot or restore with.
    static let snapshotToolFailed: [String: ErrorCode] = [
        "pg_dump": .snapshotDumpFailed, "pg_restore": .snapshotRestoreFailed, "psql": .snapshotPsqlFailed,
    ]

    public static let commissionPeriodUnknown = ErrorCode(rawValue: "commission.period_unknown")
    public static let commissionNoPlan = ErrorCode(rawValue: "commission.no_plan")
    public static let commissionNoRun = ErrorCode(rawValue: "commission.no_run")
    public static let commissionPeriodOpen = ErrorCode(rawValue: "commission.period_open")
    public static let commissionInput = ErrorCode(rawValue: "commission.input")

    public static let internalUnexpected = ErrorCode(rawValue: "internal.unexpected")

    public static let keysKEKExists = ErrorCode(rawValue: "keys.kek_exists")
    public static let keysKEKExposed = ErrorCode(rawValue: "keys.kek_exposed")
    public static let keysKEKInvalid = ErrorCode(rawValue: "keys.kek_invalid")
    public static let keysKEKIsSigningKey = ErrorCode(rawValue: "keys.kek_is_signing_key")
    public static let keysKEKMissing = ErrorCode(rawValue: "keys.kek_missing")
    public static let keysKEKUnreadable = ErrorCode(rawValue: "keys.kek_unreadable")
    public static let keysKEKUnwritable = ErrorCode(rawValue: "keys.kek_unwritable")
    public static let keysKEKWrong = ErrorCode(rawValue: "keys.kek_wrong")
    public static let keysNoPII = ErrorCode(rawValue: "keys.no_pii")
    public static let keysNothingToRotate = ErrorCode(rawValue: "keys.nothing_to_rotate")
    public static let keysRotationUnfinished = ErrorCode(rawValue: "keys.rotation_unfinished")
    public static let keysSameKEK = ErrorCode(rawValue: "keys.same_kek")
    public static let keysSigningKeyExists = ErrorCode(rawValue: "keys.signing_key_exists")
    public static let keysSigningKeyExposed = ErrorCode(rawValue: "keys.signing_key_exposed")
    public static let keysSigningKeyInvalid = ErrorCode(rawValue: "keys.signing_key_invalid")
    public static let keysSigningKeyIsKEK = ErrorCode(rawValue: "keys.signing_key_is_kek")
    public static let keysSigningKeyUnreadable = ErrorCode(rawValue: "keys.signing_key_unreadable")
    public static let keysSigningKeyUnwritable = ErrorCode(rawValue: "keys.signing_key_unwritable")
    public static let keysUnwrapFailed = ErrorCode(rawValue: "keys.unwrap_failed")
    public static let keysWrapFailed = ErrorCode(rawValue: "keys.wrap_failed")

    public static let ledgerBalanceOverflow = ErrorCode(rawValue: "ledger.balance_overflow")

    public static let mappingInvalid = ErrorCode(rawValue: "mapping.invalid")

    public static let piiOpenFailed = ErrorCode(rawValue: "pii.open_failed")
    public static let piiRandomFailed = ErrorCode(rawValue: "pii.random_failed")
    public static let piiSealFailed = ErrorCode(rawValue: "pii.seal_failed")

    public static let reconcileNoRun = ErrorCode(rawValue: "reconcile.no_run")

    public static let resumeNoRun = ErrorCode(rawValue: "resume.no_run")
    public static let resumeNotUnfinished = ErrorCode(rawValue: "resume.not_unfinished")
    public static let resumeOtherWorkDirectory = ErrorCode(rawValue: "resume.other_work_directory")

    public static let rehearseBadOption = ErrorCode(rawValue: "rehearse.bad_option")
    public static let rehearseStepFailed = ErrorCode(rawValue: "rehearse.step_failed")
    public static let statusNoRun = ErrorCode(rawValue: "status.no_run")

    public static let rollbackNoBatch = ErrorCode(rawValue: "rollback.no_batch")
    public static let rollbackNoRun = ErrorCode(rawValue: "rollback.no_run")
    public static let rollbackNotNewest = ErrorCode(rawValue: "rollback.not_newest")

    public static let samplesSQLite = ErrorCode(rawValue: "samples.sqlite")

    public static let snapshotChecksumMismatch = ErrorCode(rawValue: "snapshot.checksum_mismatch")
    public static let snapshotExists = ErrorCode(rawValue: "snapshot.exists")
    public static let snapshotNoChecksum = ErrorCode(rawValue: "snapshot.no_checksum")
    public static let snapshotUnreadable = ErrorCode(rawValue: "snapshot.unreadable")
    public static let snapshotUnwritable = ErrorCode(rawValue: "snapshot.unwritable")

    public static let sourceBadSelection = ErrorCode(rawValue: "source.bad_selection")
    public static let sourceColumnAmbiguous = ErrorCode(rawValue: "source.column_ambiguous")
    public static let sourceColumnMissing = ErrorCode(rawValue: "source.column_missing")
    public static let sourceEmpty = ErrorCode(rawValue: "source.empty")
    public static let sourceJoinNotUnique = ErrorCode(rawValue: "source.join_not_unique")
    public static let sourceMissing = ErrorCode(rawValue: "source.missing")
    public static let sourceUnreadable = ErrorCode(rawValue: "source.unreadable")

    public static let systemExecFailed = ErrorCode(rawValue: "system.exec_failed")

    public static let targetAuthFailed = ErrorCode(rawValue: "target.auth_failed")
    public static let targetBusy = ErrorCode(rawValue: "target.busy")
    public static let targetConnectionLost = ErrorCode(rawValue: "target.connection_lost")
    public static let targetLayoutMismatch = ErrorCode(rawValue: "target.layout_mismatch")
    public static let targetMissing = ErrorCode(rawValue: "target.missing")
    public static let targetNoDatabase = ErrorCode(rawValue: "target.no_database")
    public static let targetNotEmpty = ErrorCode(rawValue: "target.not_empty")
    public static let targetRunUnfinished = ErrorCode(rawValue: "target.run_unfinished")
    public static let targetSchemaNewer = ErrorCode(rawValue: "target.schema_newer")
    public static let targetSQLFailed = ErrorCode(rawValue: "target.sql_failed")
    public static let targetTLSRequired = ErrorCode(rawValue: "target.tls_required")
    public static let targetUnreachable = ErrorCode(rawValue: "target.unreachable")

    public static let testSetup = ErrorCode(rawValue: "test.setup")

    public static let verifyNoLedger = ErrorCode(rawValue: "verify.no_ledger")
    public static let verifyReportUnreadable = ErrorCode(rawValue: "verify.report_unreadable")

    public static let workdirCorrupt = ErrorCode(rawValue: "workdir.corrupt")
    public static let workdirLocked = ErrorCode(rawValue: "workdir.locked")
    public static let workdirNoManifest = ErrorCode(rawValue: "workdir.no_manifest")
    public static let workdirRunUnfinished = ErrorCode(rawValue: "workdir.run_unfinished")
    public static let workdirStageMissing = ErrorCode(rawValue: "workdir.stage_missing")
    public static let workdirUnreadable = ErrorCode(rawValue: "workdir.unreadable")
    public static let workdirUnwritable = ErrorCode(rawValue: "workdir.unwritable")

    /// Every code above.
    public static let all: [ErrorCode] = [
        .deltaKEKDiffers,
        .deltaTargetChanged,
        .embeddedFailed,
        .embeddedNoPostgres,
        .evidenceNoReport,
        .evidencePackUnreadable,
        .evidenceTargetDiffers,
        .evidenceUnwritable,
        .eraseNoPII,
        .eraseUnknownMember,
        .exceptionsNoRun,
        .genealogyNoFreeLeg,
        .genealogyNoRoot,
        .genealogyOrphan,
        .genealogyRootMissing,
        .commissionInput,
        .commissionNoPlan,
        .commissionNoRun,
        .commissionPeriodOpen,
        .commissionPeriodUnknown,
        .internalUnexpected,
        .snapshotDumpFailed,
        .snapshotPsqlFailed,
        .snapshotRestoreFailed,
        .keysKEKExists,
        .keysKEKExposed,
        .keysKEKInvalid,
        .keysKEKIsSigningKey,
        .keysKEKMissing,
        .keysKEKUnreadable,
        .keysKEKUnwritable,
        .keysKEKWrong,
        .keysNoPII,
        .keysNothingToRotate,
        .keysRotationUnfinished,
        .keysSameKEK,
        .keysSigningKeyExists,
        .keysSigningKeyExposed,
        .keysSigningKeyInvalid,
        .keysSigningKeyIsKEK,
        .keysSigningKeyUnreadable,
        .keysSigningKeyUnwritable,
        .keysUnwrapFailed,
        .keysWrapFailed,
        .ledgerBalanceOverflow,
        .mappingInvalid,
        .piiOpenFailed,
        .piiRandomFailed,
        .piiSealFailed,
        .reconcileNoRun,
        .resumeNoRun,
        .resumeNotUnfinished,
        .resumeOtherWorkDirectory,
        .rehearseBadOption,
        .rehearseStepFailed,
        .statusNoRun,
        .rollbackNoBatch,
        .rollbackNoRun,
        .rollbackNotNewest,
        .samplesSQLite,
        .signoffInvalid,
        .signoffUnreadable,
        .snapshotChecksumMismatch,
        .snapshotExists,
        .snapshotNoChecksum,
        .snapshotUnreadable,
        .snapshotUnwritable,
        .sourceBadSelection,
        .sourceColumnAmbiguous,
        .sourceColumnMissing,
        .sourceEmpty,
        .sourceJoinNotUnique,
        .sourceMissing,
        .sourceUnreadable,
        .systemExecFailed,
        .targetAuthFailed,
        .targetBusy,
        .targetConnectionLost,
        .targetLayoutMismatch,
        .targetMissing,
        .targetNoDatabase,
        .targetNotEmpty,
        .targetRunUnfinished,
        .targetSchemaNewer,
        .targetSQLFailed,
        .targetTLSRequired,
        .targetUnreachable,
        .testSetup,
        .verifyNoLedger,
        .verifyReportUnreadable,
        .workdirCorrupt,
        .workdirLocked,
        .workdirNoManifest,
        .workdirRunUnfinished,
        .workdirStageMissing,
        .workdirUnreadable,
        .workdirUnwritable,
    ]
}
