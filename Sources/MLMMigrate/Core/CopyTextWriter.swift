/// ``CopyText``'s values written through a raw pointer into room the caller made for a whole row
/// at once: no capacity or uniqueness check per byte, where appending to an array checked both
/// for every byte of a timestamp and every field (a fifth of the read-back's reading thread).
///
/// Each writer writes at `at` and returns where it stopped; it writes at most its value's
/// bound (``decimalBound``, ``UTCTimestamp/textBound``, twice a text's bytes, three plus twice a
/// `bytea`'s bytes). The bytes are exactly those of the appending functions (``CopyText``,
/// ``UTCTimestamp/append(micros:to:)``), which are written with these.
enum CopyTextWriter {
    /// The longest decimal `Int64`: `-9223372036854775808`.
    static let decimalBound = 20

    /// The length of `value`'s decimal text, its sign included.
    @inline(__always)
    static func decimalLength(_ value: Int64) -> Int {
        var count = value < 0 ? 2 : 1
        var probe = value.magnitude
        while probe >= 10 { probe /= 10; count += 1 }
        return count
    }

    @inline(__always)
    static func decimal(_ value: Int64, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var out = out
        if value < 0 {
            out.pointee = UInt8(ascii: "-")
            out += 1
        }
        var magnitude = value.magnitude
        var count = 1
        var probe = magnitude
        while probe >= 10 { probe /= 10; count += 1 }
        var index = count - 1
        repeat {
            out[index] = 0x30 + UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
            index -= 1
        } while magnitude > 0
        return out + count
    }

    /// `value` in exactly `width` (1 to 18) digits, zero-padded; a value that needs more, or a
    /// negative one, as ``decimal(_:at:)`` writes it (as `String(value)` spells it).
    @inline(__always)
    static func digits(_ value: Int, width: Int, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        if value >= divisor * 10 || value < 0 { return decimal(Int64(value), at: out) }
        var value = value
        for index in stride(from: width - 1, through: 0, by: -1) {
            out[index] = UInt8(truncatingIfNeeded: 0x30 + value % 10)
            value /= 10
        }
        return out + width
    }

    /// One escaped text field (``CopyText/appendField(bytes:to:)``): at most twice its bytes.
    @inline(__always)
    static func field(_ bytes: UnsafeRawBufferPointer, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var out = out
        for byte in bytes {
            let escape: UInt8 = switch byte {
            case UInt8(ascii: "\\"): UInt8(ascii: "\\")
            case 0x08: UInt8(ascii: "b")
            case 0x09: UInt8(ascii: "t")
            case 0x0A: UInt8(ascii: "n")
            case 0x0B: UInt8(ascii: "v")
            case 0x0C: UInt8(ascii: "f")
            case 0x0D: UInt8(ascii: "r")
            default: 0
            }
            if escape == 0 {
                out.pointee = byte
                out += 1
            } else {
                out[0] = UInt8(ascii: "\\")
                out[1] = escape
                out += 2
            }
        }
        return out
    }

    /// A `bytea` in hex form as a COPY field (``CopyText/appendBytea(_:to:)``): `\\x`, then two
    /// lower-case hex digits a byte.
    @inline(__always)
    static func bytea(_ bytes: UnsafeRawBufferPointer, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        out[0] = UInt8(ascii: "\\")
        out[1] = UInt8(ascii: "\\")
        out[2] = UInt8(ascii: "x")
        var at = out + 3
        for byte in bytes {
            at[0] = hexDigit(byte >> 4)
            at[1] = hexDigit(byte & 0x0F)
            at += 2
        }
        return at
    }

    /// `\N`.
    @inline(__always)
    static func null(at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        out[0] = UInt8(ascii: "\\")
        out[1] = UInt8(ascii: "N")
        return out + 2
    }

    /// A nibble's lower-case hex digit, computed (a static table costs a lazy-initialisation check per access).
    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

extension Array where Element == UInt8 {
    /// Appends what `write` writes from the pointer it is given, at most `bound` bytes; `write`
    /// returns where it stopped. One reservation for a value or a row of ``CopyTextWriter``'s.
    @inline(__always)
    mutating func appendWritten(bound: Int, _ write: (UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8>) {
        let start = count
        append(contentsOf: repeatElement(0, count: bound))
        let written = withUnsafeMutableBufferPointer { buffer in
            let from = buffer.baseAddress! + start
            let end = write(from)
            precondition(end - from <= bound, "a COPY text value overran its bound")
            return end - from
        }
        if written < bound { removeLast(bound - written) }
    }
}

/// The bytes of one text line at a time, written by ``CopyTextWriter`` into room reserved once
/// for the line: for a reader printing row after row (``CopyBinaryText``). The line is valid
/// until the next ``reserve(_:)``.
final class CopyTextLine {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// The room the last ``reserve(_:)`` asked for.
    private var reserved = 0

    /// `capacity`: the room held at first (it grows to the largest line's bound).
    init(capacity: Int = 4_096) {
        self.capacity = Swift.max(capacity, 1)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The start of room for at least `bound` bytes (the last line's bytes are gone).
    func reserve(_ bound: Int) -> UnsafeMutablePointer<UInt8> {
        if bound > capacity {
            base.deallocate()
            capacity = Swift.max(bound, 2 * capacity)
            base = .allocate(capacity: capacity)
        }
        reserved = bound
        return base
    }

    /// The bytes from the start of the room to `end` (what the writers wrote); traps when they
    /// are more than the room reserved (a bound that is wrong).
    func bytes(to end: UnsafeMutablePointer<UInt8>) -> UnsafeRawBufferPointer {
        precondition(end >= base && end - base <= reserved, "a COPY text line overran the room reserved for it")
        return UnsafeRawBufferPointer(start: base, count: end - base)
    }
}
