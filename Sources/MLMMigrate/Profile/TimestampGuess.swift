/// The timestamp formats the profile tries on date-shaped values, in order of preference when
/// several read the same values, and which of them a value's shape can match.
enum TimestampGuess {
    /// Candidate `format:` strings (the mapping's PHP `date()` letters, then `iso8601`).
    static let formats: [String] = [
        "Y-m-d H:i:s", "Y-m-d H:i", "Y-m-d", "Y-m-dTH:i:s",
        "d/m/Y H:i:s", "d/m/Y H:i", "d/m/Y", "m/d/Y H:i:s", "m/d/Y H:i", "m/d/Y",
        "d.m.Y H:i:s", "d.m.Y H:i", "d.m.Y", "d-m-Y H:i:s", "d-m-Y", "Y/m/d H:i:s", "Y/m/d",
        "iso8601",
    ]

    /// The parsed form of each candidate, in UTC: the profile compares wall-clock values only.
    static let parsed: [TimestampFormat] = formats.map { TimestampFormat($0) ?? .iso8601 }

    /// The candidates whose layout fits `shape` (digits as `9`): fixed-width letters need two
    /// (four for `Y`) digits, `j`, `n`, `G` one or two, literals themselves.
    static func candidates(forShape shape: ArraySlice<UInt8>) -> [Int] {
        var out: [Int] = []
        for (index, format) in parsed.enumerated() {
            switch format {
            case .pattern(let tokens): if fits(tokens, shape) { out.append(index) }
            case .iso8601:
                if shape.count > 10, shape.starts(with: Array("9999-99-99".utf8)),
                    shape.contains(UInt8(ascii: "Z")) || shape.contains(UInt8(ascii: "+"))
                        || shape.dropFirst(10).contains(UInt8(ascii: "."))
                {
                    out.append(index)
                }
            case .epochSeconds, .epochMilliseconds: break
            }
        }
        return out
    }

    private static func fits(_ tokens: [TimestampFormat.Token], _ shape: ArraySlice<UInt8>) -> Bool {
        var index = shape.startIndex
        let nine = UInt8(ascii: "9")
        func digits(min: Int, max: Int) -> Bool {
            var count = 0
            while count < max, index < shape.endIndex, shape[index] == nine { index += 1; count += 1 }
            return count >= min
        }
        for token in tokens {
            let ok: Bool
            switch token {
            case .year4: ok = digits(min: 4, max: 4)
            case .day2, .month2, .hour2, .minute2, .second2, .year2: ok = digits(min: 2, max: 2)
            case .day, .month, .hour: ok = digits(min: 1, max: 2)
            case .literal(let byte):
                let expected = byte == UInt8(ascii: "T") ? UInt8(ascii: "A") : byte
                ok = index < shape.endIndex && shape[index] == expected
                if ok { index += 1 }
            }
            if !ok { return false }
        }
        return index == shape.endIndex
    }
}
