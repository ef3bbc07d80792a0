/// What a CSV file's bytes say about its dialect before it is parsed: the delimiter its header
/// uses, a byte-order mark, and its line ends.
enum CSVDialect {
    /// The most frequent of `,` `;` tab `|` in the first line (outside quotes); `,` if none.
    static func sniffDelimiter(path: String, displayName: String) throws(MigrationError) -> UInt8 {
        let reader = try ChunkedFileReader(path: path, chunkSize: 64 * 1024)
        var counts: [UInt8: Int] = [:]
        do {
            _ = try reader.nextChunk { chunk in
                var quoted = false
                for byte in chunk {
                    if byte == UInt8(ascii: "\"") { quoted.toggle() }
                    if !quoted && (byte == 0x0A || byte == 0x0D) { break }
                    if !quoted
                        && [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09, UInt8(ascii: "|")].contains(byte)
                    {
                        counts[byte, default: 0] += 1
                    }
                }
            }
        } catch {
            throw MigrationError(.sourceUnreadable, "\(displayName): cannot read the header line")
        }
        let best = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }
        return best?.key ?? UInt8(ascii: ",")
    }

    /// Whether the file starts with a UTF-8 byte-order mark, and its CRLF, LF and CR line ends
    /// (a CR or LF inside a quoted field counts too: these are bytes, not records).
    static func scan(
        path: String, displayName: String
    ) throws(MigrationError) -> (byteOrderMark: Bool, endings: LineEndingCounts) {
        let reader = try ChunkedFileReader(path: path)
        var endings = LineEndingCounts()
        var first: [UInt8] = []
        var lastWasCR = false
        do {
            while try reader.nextChunk({ chunk in
                if first.count < 3 { first.append(contentsOf: chunk.prefix(3 - first.count)) }
                var crlf = endings.crlf, lf = endings.lf, cr = endings.cr
                var previousCR = lastWasCR
                for byte in chunk {
                    if byte == 0x0A {
                        if previousCR { crlf += 1; cr -= 1 } else { lf += 1 }
                    } else if byte == 0x0D {
                        cr += 1
                    }
                    previousCR = byte == 0x0D
                }
                endings = LineEndingCounts(crlf: crlf, lf: lf, cr: cr)
                lastWasCR = previousCR
            }) {}
        } catch {
            throw MigrationError(.sourceUnreadable, "\(displayName): cannot read the file")
        }
        return (first == [0xEF, 0xBB, 0xBF], endings)
    }
}
