import CLinux
import Glibc

/// Cuts a CSV file, from a record's start (after its header), into pieces that each start a
/// record, so Extract's workers parse them side by side (``CSVReader/init(piece:of:displayName:delimiter:quote:expectedFieldCount:)``)
/// while its reading thread only reads: the parse was the reading thread's work, and it held the
/// whole Extract to one core.
///
/// A piece ends just after a line feed that ends a record, the last one found once ``target``
/// bytes are in. The reader's quote states are followed over each byte once, as the bytes come:
/// a line from a record's start with no quote character is passed over whole (its line ends all
/// end records), and inside a quoted value the next quote is looked for. A quoted value that
/// runs on past ``limit`` bytes (a stray quote, which only the whole file's end closes) stops
/// the cutting: ``abandoned`` is then where the rest starts, for one reader to read.
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
    let limit: Int
    private var offset: Int
    private var line: Int
    private var afterCR: Bool
    /// Bytes from `offset` not yet cut.
    private var carry: [UInt8] = []
    /// The reader's states over the carry's first `scanned` bytes, and where the last record
    /// ending in a LF ends among them.
    private var scanned = 0
    private var state = State.fieldStart
    private var atRecordStart = true
    private var lastWasCR: Bool
    private var lastEnd: Int?
    /// Set when a quoted value outran ``limit``: the rest of the file starts there.
    private(set) var abandoned: Piece?

    /// Cutting from byte `offset` (a record's start on physical line `line`) on.
    init(delimiter: UInt8, quote: UInt8, target: Int, limit: Int = 64 << 20, offset: Int, line: Int, afterCR: Bool) {
        self.delimiter = delimiter
        self.quote = quote
        self.target = max(1, target)
        self.limit = max(self.target, limit)
        self.offset = offset
        self.line = line
        self.afterCR = afterCR
        lastWasCR = afterCR
    }

    /// Takes the file's next bytes (those after the ones given before, from `offset` on);
    /// `cut` gets each piece complete now. Nothing is taken once ``abandoned`` is set.
    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>, cut: (Piece) throws(MigrationError) -> Void) throws(MigrationError) {
        guard !bytes.isEmpty, abandoned == nil else { return }
        carry.append(contentsOf: bytes)
        scan()
        if carry.count >= target, let end = lastEnd { try cut(take(end)) }
        if carry.count > limit && lastEnd == nil {
            abandoned = Piece(bytes: [], offset: offset, line: line, afterCR: afterCR)
            carry = []
        }
    }

    /// The bytes left at the end of the file, as the last piece (nil when there are none).
    mutating func finish() -> Piece? {
        carry.isEmpty || abandoned != nil ? nil : take(carry.count)
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
        // No record ends between the cut (the last end found) and what is scanned.
        scanned -= count
        lastEnd = nil
        return piece
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    /// Follows the reader's states over the carry's bytes not yet scanned.
    private mutating func scan() {
        carry.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return }
            var index = scanned
            var (state, atRecordStart, lastWasCR, lastEnd) = (state, atRecordStart, lastWasCR, lastEnd)
            defer { (self.state, self.atRecordStart, self.lastWasCR, self.lastEnd, scanned) = (state, atRecordStart, lastWasCR, lastEnd, index) }
            while index < bytes.count {
                if atRecordStart, memchr(base + index, Int32(quote), bytes.count - index) == nil {
                    // No quote in the rest: every line end ends a record; the last LF is the last end.
                    guard let hit = memrchr(base + index, 0x0A, bytes.count - index) else { return }
                    index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
                    lastEnd = index
                    lastWasCR = false
                    return
                }
                if atRecordStart {
                    // A whole line with no quote: each of its line ends ends a record.
                    guard let hit = memchr(base + index, 0x0A, bytes.count - index) else { return }
                    let lf = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memchr(base + index, Int32(quote), lf - index) == nil {
                        index = lf + 1
                        lastEnd = index
                        lastWasCR = false
                        continue
                    }
                    atRecordStart = false
                }
                if state == .quoted {
                    // Only a quote leaves a quoted value.
                    guard let hit = memchr(base + index, Int32(quote), bytes.count - index) else {
                        index = bytes.count
                        lastWasCR = bytes[index - 1] == 0x0D
                        return
                    }
                    let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    lastWasCR = at > index ? bytes[at - 1] == 0x0D : lastWasCR
                    index = at
                }
                let byte = bytes[index]
                index += 1
                let wasCR = lastWasCR
                lastWasCR = byte == 0x0D
                if wasCR && byte == 0x0A {
                    // The LF of a CRLF whose CR ended a record (in a quoted value it is data,
                    // and the quoted state never gets here).
                    lastEnd = index
                    atRecordStart = true
                    continue
                }
                if state == .quoted {
                    // The quote the search stopped at: it closes the value or starts a `""`.
                    state = .quoteInQuoted
                } else if byte == 0x0A || byte == 0x0D {
                    // Outside a quoted value a line end ends the record.
                    state = .fieldStart
                    atRecordStart = true
                    if byte == 0x0A { lastEnd = index }
                } else if byte == delimiter {
                    state = .fieldStart
                } else {
                    // A quote opens a value at a field's start; after a closing quote it is a
                    // `""`, back inside the value; anywhere else it is data.
                    state = byte == quote && state != .unquoted ? .quoted : .unquoted
                }
            }
        }
    }

    /// Where the last record ending in a LF ends in `bytes`, which start a record (`afterCR`:
    /// right after a CR that ended a line): just after that LF, or nil.
    static func lastRecordEnd(in bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8, quote: UInt8, afterCR: Bool) -> Int? {
        var cutter = CSVPieceCutter(delimiter: delimiter, quote: quote, target: Int.max, offset: 0, line: 1, afterCR: afterCR)
        cutter.carry = Array(bytes)
        cutter.scan()
        return cutter.lastEnd
    }
}
