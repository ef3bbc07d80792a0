import Foundation

extension ColumnProfiler {
    /// Shares in the profile are rounded to 6 places so the JSON reads the same on every run.
    static func share(_ part: Int, _ whole: Int) -> Double {
        whole == 0 ? 0 : (Double(part) / Double(whole) * 1_000_000).rounded() / 1_000_000
    }

    /// What the column looks like it holds, by name and by shape (nil: not personal data).
    var personalData: (kind: PersonalDataKind, evidence: String)? {
        let byShape = personalByShape.max {
            $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue > $1.key.rawValue)
        }
        var shapeKind: PersonalDataKind?
        if let byShape, byShape.value * 2 >= nonBlank, nonBlank > 0 {
            let enoughNames = nonBlank >= 20 && distinct.count * 5 >= nonBlank
            if byShape.key != .name || enoughNames { shapeKind = byShape.key }
        }
        switch (nameKind, shapeKind) {
        case let (name?, shape?) where name == shape: return (name, "name and shape")
        case let (name?, _): return (name, "name")
        case let (nil, shape?): return (shape, "shape")
        case (nil, nil): return nil
        }
    }

    /// The best timestamp format: the one reading most values, preferred in ``TimestampGuess`` order.
    var bestTimestamp: (index: Int, parsed: Int)? {
        var best: (index: Int, parsed: Int)?
        for (index, parsed) in timestampParsed.sorted(by: { $0.key < $1.key })
        where parsed > (best?.parsed ?? 0) {
            best = (index, parsed)
        }
        return best
    }

    /// `integer`, `decimal`, `timestamp`, `text` or `empty`, and the values that conform.
    var inferredType: (type: String, conforming: Int, epoch: Bool) {
        guard nonBlank > 0 else { return ("empty", 0, false) }
        let numbers = integers + decimals
        if integers * 10 >= nonBlank * 9 {
            if looksLikeTime && epochParsed * 10 >= integers * 9 { return ("timestamp", epochParsed, true) }
            return ("integer", integers, false)
        }
        if numbers * 10 >= nonBlank * 9 && decimals > 0 { return ("decimal", numbers, false) }
        if let best = bestTimestamp,
            (best.parsed + (timestampOutOfRange[best.index] ?? 0)) * 10 >= nonBlank * 8
        {
            return ("timestamp", best.parsed, false)
        }
        return ("text", nonBlank, false)
    }

    func encodingProfile() -> EncodingProfile {
        EncodingProfile(
            guess: Self.encodingGuess(nonASCII: nonASCII, invalid: invalidUTF8, c1: c1Bytes),
            nonAsciiValues: nonASCII,
            invalidUtf8Values: invalidUTF8, c1ByteValues: c1Bytes, nulByteValues: nulBytes)
    }

    static func encodingGuess(nonASCII: Int, invalid: Int, c1: Int) -> String {
        if nonASCII == 0 { return "ascii" }
        if invalid == 0 { return "utf-8" }
        if invalid < nonASCII { return "mixed" }
        return c1 > 0 ? "windows-1252" : "latin-1"
    }

    /// Whether the column can be a key: integers or codes, non-personal, at most 1% blank and
    /// 1% repeats, distinct counted exactly (or given up only for having too many keys).
    var isKeyCandidate: Bool {
        let type = inferredType.type
        guard type == "integer" || type == "text", personalData == nil, nonBlank >= 2 else { return false }
        guard distinct.isExact || distinct.exceededKeyLimit else { return false }
        let rows = nonBlank + nulls + blanks
        let repeats = distinct.isExact ? nonBlank - distinct.count : 0
        guard (nulls + blanks) * 100 <= rows, repeats * 100 <= nonBlank else { return false }
        // Free text is no key: a key's values are single words, never cut short.
        let space = UInt8(ascii: " ")
        return type == "integer"
            || !shapes.values.contains { $0.shape.contains(space) || $0.shape.count > ValueShape.maxLength }
    }

    /// The column's summary for the profile; `keySet` says whether references were matched against it.
    func summary(keySet: String?) -> ColumnProfile {
        let personal = personalData
        let inferred = inferredType
        let repeats = Swift.max(0, nonBlank - distinct.count)
        var column = ColumnProfile(
            name: name, position: position, declaredType: declaredType, inferredType: inferred.type,
            nulls: nulls, blanks: blanks, nonBlank: nonBlank,
            blankShare: Self.share(nulls + blanks, nulls + blanks + nonBlank),
            distinct: distinct.count, distinctExact: distinct.isExact, repeats: repeats,
            repeatShare: Self.share(repeats, nonBlank),
            nonconforming: nonBlank - inferred.conforming, keyCandidate: isKeyCandidate,
            unique: distinct.isExact && repeats == 0 && nulls + blanks == 0, keySet: keySet,
            shapes: shapes.values.map {
                ShapeCount(shape: String(decoding: $0.shape, as: UTF8.self), count: $0.count)
            }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.shape < $1.shape },
            otherShapes: otherShapes, sentinels: suspectedSentinels(type: inferred.type),
            encoding: encodingProfile()
        )
        if let personal {
            column.personalData = PersonalDataProfile(
                kind: personal.kind, evidence: personal.evidence,
                duplicateShare: Self.share(repeats, nonBlank))
            return column
        }
        switch inferred.type {
        case "integer":
            column.min = String(minInteger)
            column.max = String(maxInteger)
        case "decimal":
            column.min =
                integers > 0 && Double(minInteger) < minDecimal ? String(minInteger) : String(minDecimal)
            column.max =
                integers > 0 && Double(maxInteger) > maxDecimal ? String(maxInteger) : String(maxDecimal)
        default:
            break
        }
        if inferred.type == "timestamp" {
            if inferred.epoch {
                column.timestamp = TimestampProfile(
                    format: "epoch", parsed: epochParsed, outOfRange: epochOutOfRange, impossible: 0,
                    alsoFits: [])
                column.min = UTCTimestamp.format(micros: epochMin)
                column.max = UTCTimestamp.format(micros: epochMax)
            } else if let best = bestTimestamp {
                let also = timestampParsed.filter { $0.key != best.index && $0.value == best.parsed }.keys
                    .sorted().map { TimestampGuess.formats[$0] }
                column.timestamp = TimestampProfile(
                    format: TimestampGuess.formats[best.index], parsed: best.parsed,
                    outOfRange: timestampOutOfRange[best.index] ?? 0,
                    impossible: timestampInvalid[best.index] ?? 0, alsoFits: also)
                column.min = timestampMin[best.index].map { Self.wallClock($0) }
                column.max = timestampMax[best.index].map { Self.wallClock($0) }
            }
        }
        if decimals > 0 && (inferred.type == "decimal" || inferred.type == "integer") {
            column.money = MoneyProfile(
                decimalValues: decimals, artefacts2: moneySnapped2,
                artefactShare2: Self.share(moneySnapped2, decimals),
                subMinor2: moneySubMinor2, artefacts3: moneySnapped3,
                artefactShare3: Self.share(moneySnapped3, decimals),
                subMinor3: moneySubMinor3, negatives: negatives)
        }
        if let codes, !codes.isEmpty, nonBlank >= 3 * codes.count,
            codes.values.allSatisfy({ Self.isCodeLike($0.value) })
        {
            column.codes = codes.values.map {
                CodeCount(value: String(decoding: $0.value, as: UTF8.self), count: $0.count)
            }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
        }
        return column
    }

    /// A wall-clock time read in UTC, printed without a zone (the legacy zone is unknown).
    private static func wallClock(_ micros: Int64) -> String {
        String(UTCTimestamp.format(micros: micros).prefix(19))
    }

    /// A short code of letters, digits and `_ - .`: printable as an example.
    private static func isCodeLike(_ bytes: [UInt8]) -> Bool {
        !bytes.isEmpty
            && bytes.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            }
    }

    /// The sentinels seen, except numbers in a column of plain numbers (a 0 amount is an amount).
    private func suspectedSentinels(type: String) -> [SentinelCount] {
        sentinels.compactMap { index, count -> SentinelCount? in
            let entry = SentinelValues.all[index]
            if entry.kind == .number
                && (type == "decimal" || (type == "integer" && !isKeyCandidate && !looksLikeReference))
            {
                return nil
            }
            return SentinelCount(value: entry.value, count: count)
        }
        .sorted { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
    }

    /// A name that says the column points at a row (`sponsor`, `upline_id`, `parent`).
    var looksLikeReference: Bool {
        let words = name.lowercased().split(whereSeparator: { !$0.isLetter })
        return words.contains {
            ["id", "sponsor", "upline", "parent", "ref", "referrer", "user", "member"].contains($0)
        }
    }
}
