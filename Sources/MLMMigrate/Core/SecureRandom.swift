import Glibc

/// Random bytes from the kernel's CSPRNG (`/dev/urandom`, the generator swift-crypto's own
/// `SymmetricKey(size:)` and `AES.GCM.Nonce()` draw from through `getrandom`), fetched many at
/// a time: Extract reads once per batch of members instead of once per key and per nonce.
enum SecureRandom {
    private static let device = open("/dev/urandom", O_RDONLY | O_CLOEXEC)

    static func bytes(_ count: Int) throws(MigrationError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = out.withUnsafeMutableBytes { buffer -> Int in
                guard device >= 0, let base = buffer.baseAddress else { return -1 }
                return read(device, base + filled, count - filled)
            }
            if got > 0 {
                filled += got
            } else if !(got < 0 && errno == EINTR) {
                throw MigrationError(.piiRandomFailed, "cannot read random bytes from /dev/urandom")
            }
        }
        return out
    }
}
