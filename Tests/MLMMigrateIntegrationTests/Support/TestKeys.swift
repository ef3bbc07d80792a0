import Foundation
import MLMMigrate

/// Key-encryption keys for the tests: generated once per test process into a private
/// directory (mode 0700), each file mode 0600 as `keys generate` makes it.
enum TestKeys {
    /// Removed when the test process exits, so no key is left behind in the temporary directory.
    static let directory: String = {
        let path = NSTemporaryDirectory() + "mlm-test-keys-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        atexit { try? FileManager.default.removeItem(atPath: TestKeys.directory) }
        return path
    }()

    /// The KEK every sample migration in the tests uses.
    static let kekFile: String = newKEKFile("main")

    static var kek: KeyEncryptionKey {
        get throws { try KeyEncryptionKey.load(path: kekFile) }
    }

    /// A fresh KEK file (for rotation and wrong-key tests).
    static func newKEKFile(_ name: String) -> String {
        let path = "\(directory)/\(name)-\(UInt32.random(in: 0...UInt32.max)).kek"
        _ = try? KeyEncryptionKey.writeNew(path: path)
        return path
    }
}
