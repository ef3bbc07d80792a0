/// The rows of a batch of stage-file lines, as the row rules' worker threads take them.
enum BatchLines {
    /// Decodes each line of `lines` (COPY text, every line newline-terminated) and hands its
    /// fields to `body`, in order.
    static func forEachRow(_ lines: [UInt8], _ body: ([String?]) -> Void) {
        lines.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                var end = start
                while end < all.count && all[end] != 0x0A { end += 1 }
                body(CopyText.decodeRow(UnsafeBufferPointer(rebasing: all[start..<end])))
                start = end + 1
            }
        }
    }
}
