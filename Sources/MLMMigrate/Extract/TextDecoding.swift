/// Decodes field bytes from a legacy export's declared encoding into Swift strings.
public enum TextDecoding {
    /// Windows-1252's 0x80...0x9F (the WHATWG table; its five unassigned bytes map to C1 controls).
    private static let windows1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// Returns the decoded text, or nil when the bytes are not valid in `encoding` (only UTF-8
    /// can be invalid: every byte has a meaning in Windows-1252 and Latin-1).
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, as encoding: TextEncoding) -> String? {
        if !bytes.contains(where: { $0 >= 0x80 }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        switch encoding {
        case .utf8:
            return String(validating: bytes, as: UTF8.self)
        case .latin1:
            return utf8(bytes) { UInt32($0) }
        case .windows1252:
            return utf8(bytes) { (0x80...0x9F).contains($0) ? windows1252High[Int($0 - 0x80)] : UInt32($0) }
        }
    }

    /// Builds UTF-8 directly from a single-byte encoding's code points (all below U+FFFF).
    private static func utf8(_ bytes: UnsafeBufferPointer<UInt8>, _ codePoint: (UInt8) -> UInt32) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            let scalar = codePoint(byte)
            if scalar < 0x80 {
                out.append(UInt8(scalar))
            } else if scalar < 0x800 {
                out.append(UInt8(0xC0 | (scalar >> 6)))
                out.append(UInt8(0x80 | (scalar & 0x3F)))
            } else {
                out.append(UInt8(0xE0 | (scalar >> 12)))
                out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                out.append(UInt8(0x80 | (scalar & 0x3F)))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
