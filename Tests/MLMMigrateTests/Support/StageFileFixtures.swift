import MLMMigrate

/// Stage files a unit test writes as a stage's input and reads back from its output.
enum StageFileFixtures {
    /// Writes `rows` under a header of `columns` to `path`; returns `path`.
    @discardableResult
    static func write(_ path: String, _ columns: [String], _ rows: [[String?]]) throws -> String {
        let writer = try StageFileWriter(path: path, columns: columns)
        for row in rows { try writer.append(row) }
        try writer.close()
        return path
    }

    /// Every row of the stage file at `path`, its header checked and dropped.
    static func rows(_ path: String) throws -> [[String?]] {
        let reader = try StageFileReader(path: path)
        var rows: [[String?]] = []
        while let row = try reader.next() { rows.append(row) }
        return rows
    }
}
