import Foundation

/// One table of an export: a CSV file, or a table in a SQLite file.
struct ProfileTableSource {
    enum Kind {
        case csv
        case sqlite(table: String, declaredTypes: [String: String])
    }

    var name: String
    var path: String
    /// The file's name relative to the source.
    var file: String
    var kind: Kind

    /// The tables of `source`: a SQLite file's tables, a CSV file, or every `.csv` file and
    /// every SQLite file's tables in a directory, in name order.
    static func discover(source: String) throws(MigrationError) -> [ProfileTableSource] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw MigrationError(.sourceMissing, "source \(source) does not exist")
        }
        var files: [(path: String, name: String)] = []
        if isDirectory.boolValue {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: source) else {
                throw MigrationError(.sourceUnreadable, "cannot list source directory \(source)")
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = (source as NSString).appendingPathComponent(name)
                var isSubdirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isSubdirectory),
                    !isSubdirectory.boolValue
                {
                    files.append((path, name))
                }
            }
        } else {
            files = [(source, (source as NSString).lastPathComponent)]
        }
        var tables: [ProfileTableSource] = []
        for file in files {
            if try isSQLite(file.path) {
                for table in try SQLiteReader.tables(path: file.path, displayName: file.name) {
                    tables.append(
                        ProfileTableSource(
                            name: table.name, path: file.path, file: file.name,
                            kind: .sqlite(table: table.name, declaredTypes: table.declaredTypes)))
                }
            } else if !isDirectory.boolValue || file.name.lowercased().hasSuffix(".csv") {
                let stem = (file.name as NSString).deletingPathExtension
                tables.append(ProfileTableSource(name: stem, path: file.path, file: file.name, kind: .csv))
            }
        }
        guard !tables.isEmpty else {
            throw MigrationError(.sourceMissing, "no CSV file or SQLite table in \(source)")
        }
        return tables
    }

    /// True when the file starts with SQLite's 16-byte header.
    private static func isSQLite(_ path: String) throws(MigrationError) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MigrationError(.sourceUnreadable, "cannot open \(path)")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        return header == Data("SQLite format 3\0".utf8)
    }
}
