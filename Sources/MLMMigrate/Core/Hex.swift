/// Lower-case hexadecimal encoding, as used for digests in reports and stage files.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Nibble value per ASCII byte; 0xFF for a non-hex byte.
    private static let nibbles: [UInt8] = (0..<256).map { byte in
        switch byte {
        case 0x30...0x39: UInt8(byte - 0x30)
        case 0x61...0x66: UInt8(byte - 0x61 + 10)
        case 0x41...0x46: UInt8(byte - 0x41 + 10)
        default: 0xFF
        }
    }

    /// Bytes of lower- or upper-case hex text; nil for an odd length or a non-hex digit.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(bytes: $0) }
    }

    /// ``decode(_:)`` of hex text given as UTF-8 bytes.
    public static func decode(bytes utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8](repeating: 0, count: utf8.count / 2)
        var index = 0
        while index < utf8.count {
            let high = nibbles[Int(utf8[index])]
            let low = nibbles[Int(utf8[index + 1])]
            guard high | low != 0xFF, high < 16, low < 16 else { return nil }
            out[index / 2] = high << 4 | low
            index += 2
        }
        return out
    }
}

extension Hex {
    /// PostgreSQL's bytea hex form, `\x` then hex digits: how stage files carry binary values
    /// (ciphertexts, wrapped keys, blind indexes), so they load into `bytea` columns as they are.
    public static func bytea(_ bytes: some Sequence<UInt8>) -> String { "\\x" + encode(bytes) }

    /// The bytes of a value in bytea hex form; nil when it is not in that form.
    public static func decodeBytea(_ text: String) -> [UInt8]? {
        guard text.hasPrefix("\\x") else { return nil }
        return decode(String(text.utf8.dropFirst(2)) ?? "")
    }
}
