/// Where a first load's batch of one stage file goes, and in which form: a `COPY` into a table
/// (or one of its partitions) in binary when its column types allow (``CopyBinaryEncoder``),
/// else in text as the stage file holds it.
struct CopyInto: Sendable {
    /// The table or partition copied into.
    let name: String
    /// The stage file's columns.
    let columns: [String]
    /// The stage file, for errors.
    let path: String
    /// nil: the rows are sent as text.
    let encoder: CopyBinaryEncoder?

    var sql: String {
        guard let encoder else { return "COPY \(name) (\(columns.joined(separator: ", "))) FROM STDIN" }
        return "COPY \(name) (\(encoder.copyColumns.joined(separator: ", "))) FROM STDIN WITH (FORMAT binary)"
    }

    /// Runs one `COPY` of up to `maxLines` rows of `rows` as batch `batchNo` of run `runID`;
    /// `digest` sees every row's text. `place` names a line by its index in the chunk being
    /// sent, for the error when one of its values cannot be sent in binary.
    func copy(
        _ rows: some CopyLineSource, maxLines: Int, on connection: PostgresConnection, runID: Int, batchNo: Int,
        place: (Int) -> String, digest: (UnsafeRawBufferPointer) -> Void
    ) throws(MigrationError) -> Int {
        var lines = 0
        try connection.copyIn(sql, what: "COPY \(name)") { send throws(MigrationError) in
            guard let encoder else {
                lines = try rows.nextLines(maxLines: maxLines) { bytes throws(MigrationError) in
                    digest(bytes)
                    try send(bytes)
                }
                return
            }
            let buffer = CopyBinaryEncoder.Output()
            buffer.put(CopyBinaryType.header)
            lines = try rows.nextLines(maxLines: maxLines) { bytes throws(MigrationError) in
                digest(bytes)
                if let refusal = encoder.encode(bytes, runID: Int64(runID), batchNo: Int64(batchNo), into: buffer) {
                    let kind = encoder.kinds[refusal.column]
                    throw MigrationError(.workdirCorrupt, """
                        \(path): \(place(refusal.line)) column \(columns[refusal.column]) cannot be sent as a \(kind.name): it is \
                        not one in the form Transform writes, or out of the column's range; check the mapping's rule for it, \
                        or run `mlm-migrate transform` again if the file was changed after it was written
                        """)
                }
                try send(buffer.bytes)
                buffer.removeAll()
            }
            buffer.put(CopyBinaryType.trailer)
            try send(buffer.bytes)
        }
        return lines
    }
}

/// Hands out whole COPY-text lines in chunks (``StageFileReader``, ``PartitionLines``).
protocol CopyLineSource {
    /// Hands up to `maxLines` lines to `body` in chunks ending on line ends; returns how many (0 at the end).
    func nextLines(maxLines: Int, _ body: (UnsafeRawBufferPointer) throws(MigrationError) -> Void) throws(MigrationError) -> Int
}

extension StageFileReader: CopyLineSource {}

extension PartitionLines: CopyLineSource {
    func nextLines(maxLines: Int, _ body: (UnsafeRawBufferPointer) throws(MigrationError) -> Void) throws(MigrationError) -> Int {
        try next(maxLines: maxLines, body)
    }
}

extension Loader {
    /// How a first load sends `columns` of a stage file at `path` into `table` (copied into
    /// `name`, a partition of it, when given): binary when ``binaryCopy`` is on and every
    /// column's type in the target allows it.
    func copyInto(_ table: TargetTable, name: String? = nil, path: String) throws(MigrationError) -> CopyInto {
        var types: [String: String] = [:]
        if binaryCopy {
            for row in try connection.query(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
                [name ?? table.name], what: "reading the column types of \(name ?? table.name)"
            ) {
                if let column = row[0], let type = row[1] { types[column] = type }
            }
        }
        let encoder = binaryCopy ? CopyBinaryEncoder(columns: table.columns, types: types) : nil
        return CopyInto(name: name ?? table.name, columns: table.columns, path: path, encoder: encoder)
    }
}
