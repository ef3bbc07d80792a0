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

    /// Bytes of lower- or upper-case hex text; nil for an odd length or a non-hex digit.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(bytes: $0) }
    }

    /// ``decode(_:)`` of hex text given as UTF-8 bytes.
    public static func decode(bytes utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        return decode(bytes: utf8, into: &out) ? out : nil
    }

    /// ``decode(bytes:)`` into `out`, replacing what it held (a buffer reused value after
    /// value); false, with `out` emptied, for an odd length or a non-hex digit.
    public static func decode(bytes utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        out.removeAll(keepingCapacity: true)
        guard utf8.count % 2 == 0 else { return false }
        let count = utf8.count / 2
        out.append(contentsOf: repeatElement(0, count: count))
        // Every digit checked and converted without a branch; one test at the end.
        var valid: UInt8 = 1
        out.withUnsafeMutableBufferPointer { destination in
            for index in 0..<count {
                let (high, low) = (utf8[2 * index], utf8[2 * index + 1])
                valid &= isDigit(high) & isDigit(low)
                destination[index] = digitValue(high) << 4 | digitValue(low)
            }
        }
        guard valid == 1 else {
            out.removeAll(keepingCapacity: true)
            return false
        }
        return true
    }

    /// 1 for a hex digit (either case), else 0.
    @inline(__always)
    static func isDigit(_ byte: UInt8) -> UInt8 {
        let digit: UInt8 = byte &- UInt8(ascii: "0") < 10 ? 1 : 0
        let letter: UInt8 = (byte | 0x20) &- UInt8(ascii: "a") < 6 ? 1 : 0
        return digit | letter
    }

    /// A hex digit's value, without a branch: its low four bits, plus 9 for a letter (bit 6
    /// set). Meaningless for a byte ``isDigit(_:)`` refuses.
    @inline(__always)
    static func digitValue(_ byte: UInt8) -> UInt8 {
        (byte & 0x0F) &+ 9 &* (byte >> 6)
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
