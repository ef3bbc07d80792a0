import Foundation
import Glibc

/// Finds the files an entity reads: `--source` itself when it is a file, else the files in the
/// `--source` directory whose names match the mapping's `files` glob, in name order.
public enum SourceFiles {
    public static func resolve(source: String, glob: String) throws(MigrationError) -> [(path: String, name: String)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw MigrationError("source.missing", "source \(source) does not exist")
        }
        guard isDirectory.boolValue else {
            return [(source, (source as NSString).lastPathComponent)]
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: source)
        } catch {
            throw MigrationError("source.unreadable", "cannot list source directory \(source)")
        }
        let matches = names.filter { fnmatch(glob, $0, 0) == 0 }.sorted()
        guard !matches.isEmpty else {
            throw MigrationError("source.missing", "no file in \(source) matches '\(glob)'")
        }
        return matches.map { ((source as NSString).appendingPathComponent($0), $0) }
    }
}
