import Crypto

/// SHA-256 over rows in their COPY-text form (each row's bytes, newline included), in order.
///
/// Transform digests the rows it produces; Reconcile digests a `COPY ... TO STDOUT` of the
/// same projection read back from PostgreSQL. Equal digests prove the target holds exactly
/// the rows Transform produced. See docs/report.md.
public struct RowDigest {
    private var hasher = SHA256()

    public init() {}

    /// Adds bytes already in COPY-text form (whole rows, newlines included), as `COPY TO` sends them.
    public mutating func add(copyText bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    public func finalize() -> String { Hex.encode(hasher.finalize()) }
}
