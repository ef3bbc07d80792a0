import Foundation

/// Where to load: `--target` when given, else libpq's own environment when any `PG*`
/// connection variable is set, else the embedded disposable cluster.
public enum TargetChoice: Sendable {
    case explicit(String)
    case environment
    case embedded

    /// The libpq variables that, when set, mean "the operator configured a target".
    public static let environmentVariables = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGSERVICEFILE"]

    /// `environment` nil means the process environment.
    public static func choose(target: String?, environment: [String: String]? = nil) -> TargetChoice {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if let target, !target.isEmpty { return .explicit(target) }
        if environmentVariables.contains(where: { environment[$0]?.isEmpty == false }) { return .environment }
        return .embedded
    }
}
