/// Formats UTC microseconds since the epoch exactly as PostgreSQL prints a `timestamptz`
/// with `TimeZone=UTC` and `DateStyle=ISO`: `2021-03-04 05:06:07+00`, with `.ffffff`
/// (trailing zeros dropped) only when there is a fraction.
public enum UTCTimestamp {
    /// Whole UTC seconds at or before `micros` (floored, so an instant before 1970 stays in its second).
    public static func seconds(micros: Int64) -> Int64 {
        micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
    }

    public static func format(micros: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(textBound)
        append(micros: micros, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the ``format(micros:)`` text as bytes, without building a String.
    public static func append(micros: Int64, to out: inout [UInt8]) {
        out.appendWritten(bound: textBound) { write(micros: micros, at: $0) }
    }

    /// The longest ``format(micros:)`` text: `-290308-12-21 19:59:05.224192+00` (any `Int64` of
    /// microseconds), with room to spare.
    static let textBound = 40

    /// ``append(micros:to:)``'s bytes written at `out` (``CopyTextWriter``); returns where they end.
    @inline(__always)
    static func write(micros: Int64, at out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (year, month, day) = civil(fromDays: days)
        // Only a year past 9999 (or before year 0) needs more digits than its width.
        var at = CopyTextWriter.digits(year, width: 4, at: out)
        at.pointee = UInt8(ascii: "-")
        at = CopyTextWriter.digits(month, width: 2, at: at + 1)
        at.pointee = UInt8(ascii: "-")
        at = CopyTextWriter.digits(day, width: 2, at: at + 1)
        at.pointee = UInt8(ascii: " ")
        at = CopyTextWriter.digits(Int(secondOfDay / 3600), width: 2, at: at + 1)
        at.pointee = UInt8(ascii: ":")
        at = CopyTextWriter.digits(Int(secondOfDay % 3600 / 60), width: 2, at: at + 1)
        at.pointee = UInt8(ascii: ":")
        at = CopyTextWriter.digits(Int(secondOfDay % 60), width: 2, at: at + 1)
        if fraction > 0 {
            var value = Int(fraction)
            var width = 6
            while value % 10 == 0 { value /= 10; width -= 1 }
            at.pointee = UInt8(ascii: ".")
            at = CopyTextWriter.digits(value, width: width, at: at + 1)
        }
        at[0] = UInt8(ascii: "+")
        at[1] = 0x30
        at[2] = 0x30
        return at + 3
    }


    /// Proleptic Gregorian date for days since 1970-01-01 (H. Hinnant's algorithm).
    public static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    /// Days in `month` (1 to 12) of a proleptic Gregorian `year`.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Reads back what ``format(micros:)`` writes (and PostgreSQL prints in a UTC session);
    /// nil for anything else, an impossible date or time included.
    public static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// ``parse(_:)`` of text given as UTF-8 bytes.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard bytes.count >= 22, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x20, bytes[13] == 0x3A, bytes[16] == 0x3A,
              bytes[bytes.count - 3] == 0x2B, bytes[bytes.count - 2] == 0x30, bytes[bytes.count - 1] == 0x30 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let digit = bytes[index] &- 0x30
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return range.isEmpty ? nil : value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), day >= 1, day <= daysIn(month: Int(month), year: Int(year)),
              hour < 24, minute < 60, second < 60 else { return nil }
        var fraction: Int64 = 0
        let end = bytes.count - 3
        if end > 19 {
            guard bytes[19] == 0x2E, end - 20 <= 6, let digits = number(20..<end) else { return nil }
            fraction = digits
            for _ in 0..<(6 - (end - 20)) { fraction *= 10 }
        }
        let days = daysFromCivil(year: Int(year), month: Int(month), day: Int(day))
        return ((days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000) + fraction
    }
}
