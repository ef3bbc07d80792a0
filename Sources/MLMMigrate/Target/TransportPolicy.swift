import CLibPQ

/// How a target connection may travel: a local Unix socket, or TCP (any host, localhost too)
/// only with TLS that verifies the server (`sslmode=verify-full`), or with unverified TLS
/// (`require`, `verify-ca`) when the operator says so (`--allow-unverified-tls`).
///
/// Checked twice: on the options libpq would use before connecting (the string, then `PG*`),
/// so no password crosses an unencrypted link, and on the live connection's own options after.
public struct TransportPolicy: Sendable {
    /// Accept `sslmode=require` or `verify-ca` (encrypted, server not verified) over TCP.
    public var allowUnverifiedTLS: Bool

    public init(allowUnverifiedTLS: Bool = false) {
        self.allowUnverifiedTLS = allowUnverifiedTLS
    }

    /// Refuses `conninfo` when libpq would reach the server over TCP without the TLS this policy
    /// needs. A string libpq cannot parse passes: libpq then fails on it without connecting.
    public func check(conninfo: String) throws(MigrationError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(conninfo, &errorMessage) else {
            if let errorMessage { PQfreemem(errorMessage) }
            return
        }
        defer { PQconninfoFree(parsed) }
        let given = PostgresConnection.options(parsed)
        var defaults: [String: String] = [:]
        if let options = PQconndefaults() {
            defaults = PostgresConnection.options(options)
            PQconninfoFree(options)
        }
        let effective = defaults.merging(given.filter { !$0.value.isEmpty }) { $1 }
        try check(host: effective["host"], hostaddr: effective["hostaddr"], sslmode: effective["sslmode"])
    }

    /// Refuses a live connection that travels over TCP without the TLS this policy needs (a
    /// service file can set what the string and the environment did not).
    public func check(connection: PostgresConnection) throws(MigrationError) {
        let options = connection.effectiveOptions
        try check(host: options["host"], hostaddr: options["hostaddr"], sslmode: options["sslmode"])
        if !Self.isLocal(host: options["host"], hostaddr: options["hostaddr"]) && !connection.usesTLS {
            throw refusal("the connection to the target is not encrypted")
        }
    }

    func check(host: String?, hostaddr: String?, sslmode: String?) throws(MigrationError) {
        guard !Self.isLocal(host: host, hostaddr: hostaddr) else { return }
        let mode = (sslmode?.isEmpty ?? true) ? "prefer" : (sslmode ?? "prefer")
        if mode == "verify-full" { return }
        guard mode == "require" || mode == "verify-ca" else {
            throw refusal("sslmode=\(mode) does not require TLS for a target reached over TCP")
        }
        guard allowUnverifiedTLS else {
            throw refusal("sslmode=\(mode) encrypts but does not verify the target server")
        }
    }

    private func refusal(_ why: String) -> MigrationError {
        MigrationError(.targetTLSRequired, """
            \(why); give sslmode=verify-full (with sslrootcert naming the server's CA), or \
            sslmode=require with --allow-unverified-tls, or connect through a local Unix socket (host=/socket/dir)
            """)
    }

    /// Whether libpq reaches every host through a Unix socket: no `hostaddr`, and each host
    /// (comma-separated) empty (libpq's default socket) or a socket directory (`/` or `@`).
    static func isLocal(host: String?, hostaddr: String?) -> Bool {
        guard (hostaddr ?? "").isEmpty else { return false }
        return (host ?? "").split(separator: ",", omittingEmptySubsequences: false).allSatisfy { isSocket(String($0)) }
    }

    /// Whether one libpq host names a Unix socket (empty: the default socket directory).
    static func isSocket(_ host: String) -> Bool {
        host.isEmpty || host.hasPrefix("/") || host.hasPrefix("@")
    }
}
