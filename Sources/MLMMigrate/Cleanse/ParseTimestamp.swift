import Foundation

/// Rule: parses a legacy timestamp in the mapping's format and zone into UTC microseconds
/// since the Unix epoch. Accepts 1900-01-01 up to (not including) 2100-01-01 UTC.
public final class ParseTimestamp {
    public enum Outcome: Equatable {
        case value(Int64)
        case unparseable
        case outOfRange
    }

    /// 1900-01-01T00:00:00Z and 2100-01-01T00:00:00Z in microseconds.
    public static let lowerBound: Int64 = -2_208_988_800_000_000
    public static let upperBound: Int64 = 4_102_444_800_000_000

    private let format: TimestampFormat
    private let zone: TimeZone
    /// UTC offset (seconds) per local hour, so zone rules are looked up once an hour of data.
    private var offsetByLocalHour: [Int64: Int64] = [:]
    private var lastHour: (hour: Int64, offset: Int64) = (.min, 0)

    public init(format: TimestampFormat, zone: String) {
        self.format = format
        self.zone = TimeZone(identifier: zone) ?? TimeZone(secondsFromGMT: 0) ?? .current
    }

    public func parse(_ text: String) -> Outcome {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// ``parse(_:)`` of the text these UTF-8 bytes spell.
    public func parse(bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        let micros: Int64?
        switch format {
        case .epochSeconds: micros = Self.integer(bytes).flatMap { $0.multipliedReportingOverflow(by: 1_000_000).overflow ? nil : $0 * 1_000_000 }
        case .epochMilliseconds: micros = Self.integer(bytes).flatMap { $0.multipliedReportingOverflow(by: 1_000).overflow ? nil : $0 * 1_000 }
        case .pattern(let tokens): micros = parsePattern(tokens, bytes)
        case .iso8601: micros = parseISO(bytes)
        }
        guard let micros else { return .unparseable }
        guard micros >= Self.lowerBound && micros < Self.upperBound else { return .outOfRange }
        return .value(micros)
    }

    private static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; index = 1 }
        guard index < bytes.count, bytes.count - index <= 18 else { return nil }
        var value: Int64 = 0
        while index < bytes.count {
            let digit = bytes[index] &- 0x30
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
            index += 1
        }
        return negative ? -value : value
    }

    private func parsePattern(_ tokens: [TimestampFormat.Token], _ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var fields = LocalFields()
        var index = 0
        func digits(min: Int, max: Int) -> Int? {
            var value = 0
            var count = 0
            while count < max, index < bytes.count, bytes[index] &- 0x30 < 10 {
                value = value * 10 + Int(bytes[index] &- 0x30)
                index += 1
                count += 1
            }
            return count >= min ? value : nil
        }
        for token in tokens {
            switch token {
            case .day2: guard let v = digits(min: 2, max: 2) else { return nil }; fields.day = v
            case .day: guard let v = digits(min: 1, max: 2) else { return nil }; fields.day = v
            case .month2: guard let v = digits(min: 2, max: 2) else { return nil }; fields.month = v
            case .month: guard let v = digits(min: 1, max: 2) else { return nil }; fields.month = v
            case .year4: guard let v = digits(min: 4, max: 4) else { return nil }; fields.year = v
            case .year2: guard let v = digits(min: 2, max: 2) else { return nil }; fields.year = v < 70 ? 2000 + v : 1900 + v
            case .hour2: guard let v = digits(min: 2, max: 2) else { return nil }; fields.hour = v
            case .hour: guard let v = digits(min: 1, max: 2) else { return nil }; fields.hour = v
            case .minute2: guard let v = digits(min: 2, max: 2) else { return nil }; fields.minute = v
            case .second2: guard let v = digits(min: 2, max: 2) else { return nil }; fields.second = v
            case .literal(let byte):
                guard index < bytes.count, bytes[index] == byte else { return nil }
                index += 1
            }
        }
        guard index == bytes.count else { return nil }
        return toUTC(fields, offsetSeconds: nil)
    }

    private func parseISO(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        func number(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<count {
                let digit = bytes[index] &- 0x30
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
                index += 1
            }
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        var fields = LocalFields()
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")), let day = number(2) else { return nil }
        fields.year = year; fields.month = month; fields.day = day
        var fraction: Int64 = 0
        if index < bytes.count {
            guard expect(UInt8(ascii: "T")) || expect(UInt8(ascii: " ")) else { return nil }
            guard let hour = number(2), expect(UInt8(ascii: ":")), let minute = number(2) else { return nil }
            fields.hour = hour; fields.minute = minute
            if expect(UInt8(ascii: ":")) {
                guard let second = number(2) else { return nil }
                fields.second = second
                if expect(UInt8(ascii: ".")) {
                    var scale: Int64 = 100_000
                    var count = 0
                    while index < bytes.count, bytes[index] &- 0x30 < 10 {
                        fraction += Int64(bytes[index] &- 0x30) * scale
                        scale /= 10
                        index += 1
                        count += 1
                    }
                    guard count > 0 else { return nil }
                }
            }
        }
        var offset: Int64?
        if index < bytes.count {
            if expect(UInt8(ascii: "Z")) {
                offset = 0
            } else {
                let sign: Int64
                if expect(UInt8(ascii: "+")) { sign = 1 } else if expect(UInt8(ascii: "-")) { sign = -1 } else { return nil }
                guard let hours = number(2) else { return nil }
                _ = expect(UInt8(ascii: ":"))
                let minutes = index < bytes.count ? number(2) : 0
                guard let minutes else { return nil }
                offset = sign * Int64(hours * 3600 + minutes * 60)
            }
        }
        guard index == bytes.count, let micros = toUTC(fields, offsetSeconds: offset) else { return nil }
        return micros + fraction
    }

    private struct LocalFields {
        var year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0
    }

    private func toUTC(_ f: LocalFields, offsetSeconds: Int64?) -> Int64? {
        guard (1...12).contains(f.month), f.day >= 1, f.day <= Self.daysIn(month: f.month, year: f.year),
              (0...23).contains(f.hour), (0...59).contains(f.minute), (0...59).contains(f.second) else { return nil }
        let local = UTCTimestamp.daysFromCivil(year: f.year, month: f.month, day: f.day) * 86_400
            + Int64(f.hour * 3600 + f.minute * 60 + f.second)
        let offset = offsetSeconds ?? zoneOffset(localSeconds: local)
        return (local - offset) * 1_000_000
    }

    /// The zone's UTC offset for a local wall-clock time: the offset in force at the instant
    /// `local - offset(local)`, which picks the later reading in a DST gap or overlap.
    private func zoneOffset(localSeconds: Int64) -> Int64 {
        let hour = localSeconds >= 0 ? localSeconds / 3600 : (localSeconds - 3599) / 3600
        // Rows in time order ask for the same hour many times over: that one is kept aside.
        if hour == lastHour.hour { return lastHour.offset }
        let offset: Int64
        if let cached = offsetByLocalHour[hour] {
            offset = cached
        } else {
            let first = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(localSeconds))))
            offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(localSeconds - first))))
            offsetByLocalHour[hour] = offset
        }
        lastHour = (hour, offset)
        return offset
    }

    static func daysIn(month: Int, year: Int) -> Int {
        UTCTimestamp.daysIn(month: month, year: year)
    }
}
