/// The shape of a value: each digit as `9`, upper-case letter as `A`, lower-case letter or
/// other letter as `a`, control character as `?`, anything else as itself (`9999-99-99`,
/// `99/99/9999 99:99`, `Aaaa`). A shape tells formats apart without showing the value.
///
/// Shapes are cut at ``maxLength`` characters and end with `…` when cut. A non-ASCII character
/// counts as one letter `a`; the bytes of a single-byte encoding's accented letters (0x80-0xBF)
/// vanish, the rest count as `a`.
enum ValueShape {
    static let maxLength = 32

    /// What a shape contains, for the cheap checks that follow it.
    struct Traits {
        var letters = 0
        var digits = 0
        var others = 0
        /// Only digits and date punctuation (`-/:. T`): a possible timestamp.
        var dateLike: Bool { digits >= 4 && letters <= 1 }
    }

    /// Writes the shape of `bytes` into `out` (emptied first).
    static func write(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Traits {
        out.removeAll(keepingCapacity: true)
        var traits = Traits()
        var length = 0
        for byte in bytes {
            let symbol: UInt8
            switch byte {
            case 0x30...0x39: symbol = UInt8(ascii: "9"); traits.digits += 1
            case 0x41...0x5A:
                symbol = UInt8(ascii: "A")
                // `T` between date and time is punctuation for the date check.
                if byte != UInt8(ascii: "T") { traits.letters += 2 } else { traits.letters += 1 }
            case 0x61...0x7A: symbol = UInt8(ascii: "a"); traits.letters += 2
            case 0x80...0xBF: continue
            case 0xC0...0xFF: symbol = UInt8(ascii: "a"); traits.letters += 2
            case 0x00...0x1F, 0x7F: symbol = UInt8(ascii: "?"); traits.others += 1
            default: symbol = byte; traits.others += 1
            }
            if length < maxLength { out.append(symbol) }
            length += 1
        }
        if length > maxLength { out.append(contentsOf: [0xE2, 0x80, 0xA6]) }
        return traits
    }

    /// The shape of a string, for tests and small inputs.
    static func of(_ text: String) -> String {
        var copy = text
        var out: [UInt8] = []
        _ = copy.withUTF8 { write($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}
