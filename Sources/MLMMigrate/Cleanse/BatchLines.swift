/// The rows of a batch of stage-file lines, as the row rules' worker threads take them.
enum BatchLines {
    /// Decodes each line of `lines` (COPY text, every line newline-terminated) and hands its
    /// fields to `body`, in order: the fields ``CopyText/decodeRow(_:)`` gives. One array is
    /// reused from row to row (a `body` that keeps it keeps a copy).
    static func forEachRow(_ lines: [UInt8], _ body: ([String?]) -> Void) {
        var decoder = RowDecoder()
        forEachLine(lines) { line, fields in body(decoder.decode(line, fields: fields)) }
    }

    /// Hands `body` each line of `lines` (without its newline) and its fields' ranges in it,
    /// still escaped (``CopyText/fieldRanges(_:into:)``).
    static func forEachLine(_ lines: [UInt8], _ body: (UnsafeBufferPointer<UInt8>, [Range<Int>]) -> Void) {
        var ranges: [Range<Int>] = []
        lines.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                var end = start
                while end < all.count && all[end] != 0x0A { end += 1 }
                let line = UnsafeBufferPointer(rebasing: all[start..<end])
                CopyText.fieldRanges(line, into: &ranges)
                body(line, ranges)
                start = end + 1
            }
        }
    }

    /// Decodes lines' fields into one reused array; the first field (the source file, the same
    /// for long runs of rows) is decoded again only when its bytes change.
    struct RowDecoder {
        private var fields: [String?] = []
        private var firstBytes: [UInt8] = []
        private var first: String?

        mutating func decode(_ line: UnsafeBufferPointer<UInt8>, fields ranges: [Range<Int>]) -> [String?] {
            fields.removeAll(keepingCapacity: true)
            for (index, range) in ranges.enumerated() {
                let field = UnsafeBufferPointer(rebasing: line[range])
                guard index == 0 else {
                    fields.append(CopyText.text(field))
                    continue
                }
                if first == nil || !field.elementsEqual(firstBytes) {
                    firstBytes.removeAll(keepingCapacity: true)
                    firstBytes.append(contentsOf: field)
                    first = CopyText.text(field)
                }
                fields.append(first)
            }
            return fields
        }
    }
}
