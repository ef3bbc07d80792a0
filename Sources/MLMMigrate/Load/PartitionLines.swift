import Glibc

/// Reads one hash partition's rows out of a stage file whose first column is `member_id`
/// (`transform/wallet_entries.tsv`): the raw COPY-text lines whose member hashes to
/// `remainder` of `modulus` (``PostgresHashPartition``), in file order, undecoded.
///
/// Each parallel stream has its own reader over the whole file, so streams share nothing.
final class PartitionLines {
    let reader: StageFileReader
    let remainder: Int
    let modulus: Int
    /// This partition's whole lines read from the file and not yet handed out.
    private var pending: [UInt8] = []
    private var pendingLines = 0
    /// Entries come grouped by member: the last member's remainder is usually the next one's.
    private var lastKey: Int64 = .min
    private var lastRemainder = 0

    init(path: String, columns: [String], remainder: Int, modulus: Int) throws(MigrationError) {
        reader = try StageFileReader(path: path, expecting: columns)
        self.remainder = remainder
        self.modulus = modulus
    }

    /// Rows per remainder in the whole file at `path` (one pass).
    static func counts(path: String, columns: [String], modulus: Int) throws(MigrationError) -> [Int] {
        let lines = try PartitionLines(path: path, columns: columns, remainder: -1, modulus: modulus)
        var counts = Array(repeating: 0, count: modulus)
        while true {
            var bad = false
            let read = try lines.reader.nextLines(maxLines: 16_384) { chunk in
                lines.eachLine(chunk) { _, remainder in
                    guard let remainder else { return bad = true }
                    counts[remainder] += 1
                }
            }
            if bad { throw lines.unreadableKey() }
            if read == 0 { return counts }
        }
    }

    /// Hands up to `maxLines` of this partition's rows to `body`, in chunks that end on line
    /// boundaries; returns how many (0 when the file has no more).
    func next(
        maxLines: Int, _ body: (UnsafeRawBufferPointer) throws(MigrationError) -> Void
    ) throws(MigrationError) -> Int {
        var handed = 0
        while handed < maxLines {
            if pendingLines == 0 {
                guard try fill() else { break }
                continue
            }
            let count = min(pendingLines, maxLines - handed)
            let end = count == pendingLines ? pending.count : endOfLine(count)
            try MigrationError.typed(.workdirUnreadable, "\(reader.path): ") {
                try pending.withUnsafeBytes { raw in try body(UnsafeRawBufferPointer(rebasing: raw[0..<end])) }
            }
            pending.removeFirst(end)
            pendingLines -= count
            handed += count
        }
        return handed
    }

    /// Reads the next lines of the file and keeps this partition's; false at end of file.
    private func fill() throws(MigrationError) -> Bool {
        var bad = false
        let read = try reader.nextLines(maxLines: 16_384) { chunk in
            eachLine(chunk) { line, remainder in
                guard let remainder else { return bad = true }
                guard remainder == self.remainder else { return }
                pending.append(contentsOf: line)
                pendingLines += 1
            }
        }
        if bad { throw unreadableKey() }
        return read > 0
    }

    /// Calls `body` with each newline-terminated line of `chunk` and its member's remainder
    /// (nil when the first field is not a whole number).
    private func eachLine(_ chunk: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, Int?) -> Void) {
        var start = 0
        while start < chunk.count {
            var end = start
            var key: Int64 = 0
            var digits = 0
            var negative = false
            var valid = true
            while end < chunk.count, chunk[end] != 0x09, chunk[end] != 0x0A {
                let byte = chunk[end]
                if byte == 0x2D, end == start {
                    negative = true
                } else if byte >= 0x30, byte <= 0x39, digits < 18 {
                    key = key * 10 + Int64(byte - 0x30)
                    digits += 1
                } else {
                    valid = false
                }
                end += 1
            }
            while end < chunk.count, chunk[end] != 0x0A { end += 1 }
            let line = UnsafeRawBufferPointer(rebasing: chunk[start..<min(end + 1, chunk.count)])
            body(line, valid && digits > 0 ? remainder(of: negative ? -key : key) : nil)
            start = end + 1
        }
    }

    private func remainder(of key: Int64) -> Int {
        if key != lastKey {
            lastKey = key
            lastRemainder = PostgresHashPartition.remainder(of: key, modulus: modulus)
        }
        return lastRemainder
    }

    /// The offset just past the `count`-th line of `pending`.
    private func endOfLine(_ count: Int) -> Int {
        var seen = 0
        for (index, byte) in pending.enumerated() where byte == 0x0A {
            seen += 1
            if seen == count { return index + 1 }
        }
        return pending.count
    }

    /// `workdir.corrupt` naming the file and the last line read (never the value): a member
    /// id that is not a whole number.
    private func unreadableKey() -> MigrationError {
        MigrationError(
            .workdirCorrupt,
            "\(reader.path): a row at or before line \(reader.lineNumber) has a member_id (column 1) that is not a "
                + "whole number: the file was changed after it was written; run `mlm-migrate transform` again"
        )
    }
}
