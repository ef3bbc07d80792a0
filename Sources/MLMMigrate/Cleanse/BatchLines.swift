/// The rows of a batch of stage-file lines, as the row rules' worker threads take them.
enum BatchLines {
    /// Decodes each line of `lines` (COPY text, every line newline-terminated) and hands its
    /// fields to `body`, in order: the fields ``CopyText/decodeRow(_:)`` gives. One array is
    /// reused from row to row (a `body` that keeps it keeps a copy), and the first field (the
    /// source file, the same for long runs of rows) is decoded again only when its bytes change.
    static func forEachRow(_ lines: [UInt8], _ body: ([String?]) -> Void) {
        var fields: [String?] = []
        var ranges: [Range<Int>] = []
        var firstBytes: [UInt8] = []
        var first: String?
        lines.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                var end = start
                while end < all.count && all[end] != 0x0A { end += 1 }
                let line = UnsafeBufferPointer(rebasing: all[start..<end])
                CopyText.fieldRanges(line, into: &ranges)
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
                body(fields)
                start = end + 1
            }
        }
    }
}
