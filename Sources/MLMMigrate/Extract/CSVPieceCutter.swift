import CLinux
import Glibc

/// Cuts a CSV file, from a record's start (after its header), into pieces that each start a
/// record, so Extract's workers parse them side by side (``CSVReader/init(piece:of:displayName:delimiter:quote:expectedFieldCount:)``)
/// while its reading thread only reads: the parse was the reading thread's work, and it held the
/// whole Extract to one core.
///
/// A piece ends just after a line feed that ends a record. Where the bytes hold no quote
/// character every line end ends a record (nothing else changes ``CSVReader``'s state across
/// a line end), so the cut is the last line feed; otherwise the reader's quote states are
/// followed from the piece's start to find it. A piece is at least ``target`` bytes, except the
/// last; a quoted field spanning more than that makes the piece longer.
struct CSVPieceCutter {
    struct Piece: Sendable {
        var bytes: [UInt8]
        /// Where it starts in the file: byte offset and physical line (1-based).
        var offset: Int
        var line: Int
        /// The byte before it is a CR that ended a line (a LF first then belongs to that line end).
        var afterCR: Bool
    }

    let delimiter: UInt8
    let quote: UInt8
    let target: Int
    private var offset: Int
    private var line: Int
    private var afterCR: Bool
    /// Bytes from `offset` not yet cut, and whether they hold a quote character.
    private var carry: [UInt8] = []
    private var carryHasQuote = false
    /// The carry's length when a cut was last looked for and none found (a long quoted field).
    private var searchedUpTo = 0

    /// Cutting from byte `offset` (a record's start on physical line `line`) on.
    init(delimiter: UInt8, quote: UInt8, target: Int, offset: Int, line: Int, afterCR: Bool) {
        self.delimiter = delimiter
        self.quote = quote
        self.target = max(1, target)
        self.offset = offset
        self.line = line
        self.afterCR = afterCR
    }

    /// Takes the file's next bytes (those after the ones given before, from `offset` on);
    /// `cut` gets each piece complete now.
    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>, cut: (Piece) throws(MigrationError) -> Void) throws(MigrationError) {
        guard !bytes.isEmpty else { return }
        if !carryHasQuote, let base = bytes.baseAddress { carryHasQuote = memchr(base, Int32(quote), bytes.count) != nil }
        carry.append(contentsOf: bytes)
        while carry.count >= target && carry.count >= searchedUpTo + target {
            guard let end = lastRecordEnd() else {
                searchedUpTo = carry.count
                return
            }
            try cut(take(end))
        }
    }

    /// The bytes left at the end of the file, as the last piece (nil when there are none).
    mutating func finish() -> Piece? {
        carry.isEmpty ? nil : take(carry.count)
    }

    /// The first `count` bytes of the carry as a piece; the next piece starts after them.
    private mutating func take(_ count: Int) -> Piece {
        let piece = Piece(bytes: Array(carry[..<count]), offset: offset, line: line, afterCR: afterCR)
        // Lines the piece ends: CRs and LFs, a CRLF once (a LF first, after the CR before it,
        // was counted with that CR).
        let ends = piece.bytes.withUnsafeBufferPointer { ByteCount.lineEnds(in: $0) }
        let joined = afterCR && piece.bytes.first == 0x0A ? 1 : 0
        line += ends.crs + ends.lfs - ends.pairs - joined
        offset += count
        afterCR = piece.bytes.last == 0x0D
        carry.removeFirst(count)
        searchedUpTo = 0
        carryHasQuote = carry.withUnsafeBufferPointer { rest in
            rest.baseAddress.map { memchr($0, Int32(quote), rest.count) != nil } ?? false
        }
        return piece
    }

    /// Where the last record ending in a line feed ends in the carry (just after that LF).
    private func lastRecordEnd() -> Int? {
        carry.withUnsafeBufferPointer { bytes -> Int? in
            guard let base = bytes.baseAddress else { return nil }
            if !carryHasQuote {
                guard let lf = memrchr(base, 0x0A, bytes.count) else { return nil }
                return base.distance(to: lf.assumingMemoryBound(to: UInt8.self)) + 1
            }
            return Self.lastRecordEnd(in: bytes, delimiter: delimiter, quote: quote, afterCR: afterCR)
        }
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    /// ``CSVReader``'s states over `bytes`, which start a record (`afterCR`: right after a CR
    /// that ended a line): just after the last LF that ends a record, or nil. A line with no
    /// quote character is passed over whole (its line ends all end records); the states are
    /// followed byte by byte only from a line that has one.
    static func lastRecordEnd(in bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8, quote: UInt8, afterCR: Bool) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var end: Int?
        var start = 0
        var lastWasCR = afterCR
        while start < bytes.count {
            // At a record's start.
            guard let hit = memchr(base + start, 0x0A, bytes.count - start) else { break }
            let lf = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memchr(base + start, Int32(quote), lf - start) == nil {
                end = lf + 1
                start = lf + 1
                lastWasCR = false
                continue
            }
            guard let next = recordEnd(in: bytes, from: start, delimiter: delimiter, quote: quote, afterCR: lastWasCR) else { break }
            end = next
            start = next
            lastWasCR = false
        }
        return end
    }

    /// The states from `start`, a record's start: just after the first LF that ends a record, or nil.
    private static func recordEnd(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, delimiter: UInt8, quote: UInt8, afterCR: Bool) -> Int? {
        var state = State.fieldStart
        var lastWasCR = afterCR
        for index in start..<bytes.count {
            let byte = bytes[index]
            let wasCR = lastWasCR
            lastWasCR = byte == 0x0D
            if wasCR && byte == 0x0A {
                // The LF of a CRLF: part of a quoted value, or of the line end the CR made.
                if state != .quoted { return index + 1 }
                continue
            }
            let lineEnd = byte == 0x0A || byte == 0x0D
            switch state {
            case .fieldStart, .unquoted:
                if lineEnd {
                    if byte == 0x0A { return index + 1 }
                    state = .fieldStart
                } else if byte == delimiter {
                    state = .fieldStart
                } else if state == .fieldStart && byte == quote {
                    state = .quoted
                } else {
                    state = .unquoted
                }
            case .quoted:
                if byte == quote { state = .quoteInQuoted }
            case .quoteInQuoted:
                if lineEnd {
                    if byte == 0x0A { return index + 1 }
                    state = .fieldStart
                } else if byte == quote {
                    state = .quoted
                } else if byte == delimiter {
                    state = .fieldStart
                } else {
                    state = .unquoted
                }
            }
        }
        return nil
    }
}
