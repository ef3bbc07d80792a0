import Foundation

/// Paths in the package checkout and to its built executables.
public enum PackagePaths {
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static func executable(_ name: String) -> String {
        if let explicit = ProcessInfo.processInfo.environment["MLM_BIN_DIR"] { return "\(explicit)/\(name)" }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return "\(root)/.build/debug/\(name)"
    }

    public static func sample(_ relative: String) -> String { "\(root)/samples/\(relative)" }
    public static func mapping(_ name: String) -> String { "\(root)/mappings/\(name).yaml" }
}

/// A temporary directory removed when the value goes away.
public final class TemporaryDirectory {
    public let path: String

    public init() throws {
        path = NSTemporaryDirectory() + "mlm-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = "\(path)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    public func write(_ name: String, _ text: String) throws -> String {
        try write(name, Array(text.utf8))
    }
}
