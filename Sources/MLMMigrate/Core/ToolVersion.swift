/// The version of mlm-migrate, recorded with every run in `mlm_migration.runs`.
public enum ToolVersion {
    public static let current = "0.1.0"
}
