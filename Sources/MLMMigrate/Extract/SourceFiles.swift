import Crypto
import Foundation
import Glibc

/// Finds the files an entity reads: `--source` itself when it is a file, else the files in the
/// `--source` directory whose names match the mapping's `files` glob, in name order.
public enum SourceFiles {
    public static func resolve(source: String, glob: String) throws(MigrationError) -> [(path: String, name: String)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw MigrationError(.sourceMissing, "source \(source) does not exist")
        }
        guard isDirectory.boolValue else {
            return [(source, (source as NSString).lastPathComponent)]
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: source)
        } catch {
            throw MigrationError(.sourceUnreadable, "cannot list source directory \(source)")
        }
        let matches = names.filter { fnmatch(glob, $0, 0) == 0 }.sorted()
        guard !matches.isEmpty else {
            throw MigrationError(.sourceMissing, "no file in \(source) matches '\(glob)'")
        }
        return matches.map { ((source as NSString).appendingPathComponent($0), $0) }
    }
}

extension SourceFiles {
    /// Names, sizes and modification times of every file directly in `source` (or of `source`
    /// itself), hashed: cheap evidence that an export is unchanged, so an interrupted run can
    /// resume from its work directory instead of extracting again.
    public static func fingerprint(source: String) -> String {
        var text = ""
        for (path, name) in regularFiles(source: source) {
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            text += "\(name)\t\(info.st_size)\t\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)\n"
        }
        return Hex.encode(SHA256.hash(data: Array(text.utf8)))
    }

    /// Every regular file directly in the directory `source`, sorted by name, or `source`
    /// itself (named `""`): the files an export consists of.
    public static func regularFiles(source: String) -> [(path: String, name: String)] {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory)
        let names = isDirectory.boolValue ? ((try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []).sorted() : [""]
        return names.compactMap { name in
            let path = name.isEmpty ? source : (source as NSString).appendingPathComponent(name)
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
            return (path, name)
        }
    }
}
