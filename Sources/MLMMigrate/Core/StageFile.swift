/// Every stage file of a work directory, named once: the stage that writes a file and the one
/// that reads it both say which by this name. Layouts (columns) are in ``MemberStageLayout``,
/// ``MemberPIILayout`` and ``LedgerStageLayout``; the target tables in ``TargetTables``.
public enum StageFile: String, CaseIterable, Sendable {
    case extractMembers = "extract/members.tsv"
    case extractMemberPII = "extract/member_pii.tsv"
    case extractWalletEntries = "extract/wallet_entries.tsv"
    case extractWalletBalances = "extract/wallet_balances.tsv"
    case extractOrders = "extract/orders.tsv"
    case extractCarryForward = "extract/carry_forward.tsv"
    case extractClosingCarryForward = "extract/closing_carry_forward.tsv"
    case extractRanks = "extract/ranks.tsv"
    case extractRankHistory = "extract/rank_history.tsv"
    case extractPayouts = "extract/payouts.tsv"
    case cleanseMembers = "cleanse/members.tsv"
    case cleanseQuarantine = "cleanse/quarantine.tsv"
    case cleanseReattached = "cleanse/reattached.tsv"
    case cleanseDuplicateCandidates = "cleanse/duplicate_candidates.tsv"
    case cleanseAcceptedRows = "cleanse/accepted_rows.tsv"
    case cleanseWalletEntries = "cleanse/wallet_entries.tsv"
    case cleanseWalletBalances = "cleanse/wallet_balances.tsv"
    case cleanseLedgerQuarantine = "cleanse/ledger_quarantine.tsv"
    case cleanseOrders = "cleanse/orders.tsv"
    case cleanseCarryForward = "cleanse/carry_forward.tsv"
    case cleanseRanks = "cleanse/ranks.tsv"
    case cleanseRankHistory = "cleanse/rank_history.tsv"
    case cleansePayouts = "cleanse/payouts.tsv"
    case cleanseCommissionQuarantine = "cleanse/commission_quarantine.tsv"
    case transformMembers = "transform/members.tsv"
    case transformIDMap = "transform/id_map.tsv"
    case transformQuarantine = "transform/quarantine.tsv"
    case transformDataKeys = "transform/data_keys.tsv"
    case transformMemberPII = "transform/member_pii.tsv"
    case transformDuplicateCandidates = "transform/duplicate_candidates.tsv"
    case transformWallets = "transform/wallets.tsv"
    case transformWalletEntries = "transform/wallet_entries.tsv"
    case transformLedgerQuarantine = "transform/ledger_quarantine.tsv"
    case transformPeriods = "transform/periods.tsv"
    case transformOrders = "transform/orders.tsv"
    case transformCarryForward = "transform/carry_forward.tsv"
    case transformRanks = "transform/ranks.tsv"
    case transformRankHistory = "transform/rank_history.tsv"
    case transformPayouts = "transform/payouts.tsv"
    case transformCommissionQuarantine = "transform/commission_quarantine.tsv"
    /// A delta run's target members (``TargetIDs``).
    case transformTargetIDs = "transform/target_ids.tsv"

    /// The files nothing reads once `stage` (`cleanse`, `transform`) has finished in a whole
    /// run: the later stages, load, reconcile and the commands on a loaded target read only
    /// Transform's files and `cleanse/members.tsv`. `mlm-migrate run` removes them then (unless
    /// `--keep-stage-files`), so its work directory never holds more than the files one stage
    /// reads and writes; a stage command run on its own afterwards asks for the stage before
    /// it to run again.
    public static func released(after stage: String) -> [StageFile] {
        switch stage {
        case "cleanse":
            allCases.filter { $0.rawValue.hasPrefix("extract/") && $0 != .extractMemberPII }
        case "transform":
            [.extractMemberPII] + allCases.filter {
                $0.rawValue.hasPrefix("cleanse/") && ![.cleanseMembers, .cleanseQuarantine, .cleanseLedgerQuarantine, .cleanseCommissionQuarantine].contains($0)
            }
        default:
            []
        }
    }

    /// The stage directories, in stage order.
    public static let stageDirectories = ["extract", "cleanse", "transform"]

    /// The file's name inside its stage directory (`members.tsv`).
    public var name: String { String(rawValue.split(separator: "/").last ?? "") }

    /// The file in `directory`, a stage directory (`…/transform`).
    public func path(in directory: String) -> String { "\(directory)/\(name)" }
}

extension WorkDirectory {
    /// Where `file` lives in this work directory.
    public func path(_ file: StageFile) -> String { self.file(file.rawValue) }
}
