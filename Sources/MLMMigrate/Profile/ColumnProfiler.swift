/// Accumulates one column's statistics as rows stream past (the profile's first pass), in
/// memory bounded per column: counters, at most ``maxShapes`` shapes, at most ``maxCodes`` short
/// values, and a ``DistinctCounter``.
///
/// It never keeps a value of a column whose name says it is personal data; values of other
/// columns are kept only while few and short (codes such as `L`, `DEP`), and printed only if the
/// column ends up neither personal nor free text.
final class ColumnProfiler {
    static let maxShapes = 64
    static let maxCodes = 32
    static let maxCodeLength = 24
    static let sampleSize = 512

    let name: String
    let position: Int
    let declaredType: String?
    /// What the column's name suggests it holds, before any value is seen.
    let nameKind: PersonalDataKind?
    let looksLikeTime: Bool
    private let keyLimit: Int
    private let timestampShapes: TimestampShapeCache

    var nulls = 0
    var blanks = 0
    var nonBlank = 0
    var integers = 0
    var decimals = 0
    var negatives = 0
    var minInteger = Int64.max
    var maxInteger = Int64.min
    var minDecimal = Double.infinity
    var maxDecimal = -Double.infinity
    var nonASCII = 0
    var invalidUTF8 = 0
    var c1Bytes = 0
    var nulBytes = 0
    var shapes: [UInt64: (shape: [UInt8], count: Int)] = [:]
    var otherShapes = 0
    var codes: [UInt64: (value: [UInt8], count: Int)]? = [:]
    var sentinels: [Int: Int] = [:]
    var personalByShape: [PersonalDataKind: Int] = [:]
    var distinct = DistinctCounter()
    /// The first distinct hashes, to find which key sets this column's values fall in.
    var sample: [UInt64] = []
    /// Per candidate timestamp format: parsed, out of 1900-2100, fitting the shape but impossible.
    var timestampParsed: [Int: Int] = [:]
    var timestampOutOfRange: [Int: Int] = [:]
    var timestampInvalid: [Int: Int] = [:]
    var timestampMin: [Int: Int64] = [:]
    var timestampMax: [Int: Int64] = [:]
    var epochParsed = 0
    var epochOutOfRange = 0
    var epochMin = Int64.max
    var epochMax = Int64.min
    var moneyExact2 = 0, moneySnapped2 = 0, moneySubMinor2 = 0
    var moneySnapped3 = 0, moneySubMinor3 = 0

    private var shapeBuffer: [UInt8] = []
    private var normalized: [UInt8] = []
    private var rows = 0

    init(
        name: String, position: Int, declaredType: String?, keyLimit: Int,
        timestampShapes: TimestampShapeCache
    ) {
        self.name = name
        self.position = position
        self.declaredType = declaredType
        self.nameKind = PersonalDataKind.byName(name)
        self.keyLimit = keyLimit
        self.timestampShapes = timestampShapes
        let words = name.lowercased().split(whereSeparator: { !$0.isLetter })
        self.looksLikeTime = words.contains {
            [
                "ts", "time", "date", "created", "updated", "posted", "joined", "at", "stamp", "when",
                "changed", "placed",
            ].contains($0)
        }
        if nameKind != nil { codes = nil }
    }

    /// True while the column still looks like a key: few blanks and repeats so far.
    private var keyLike: Bool {
        let allowance = 10 + rows / 100
        return nulls + blanks <= allowance && distinct.repeats <= allowance
    }

    /// Adds one value (nil: SQL NULL).
    func add(_ value: UnsafeBufferPointer<UInt8>?) {
        rows += 1
        guard let raw = value else { nulls += 1; return }
        var start = 0
        var end = raw.count
        while start < end && Self.isSpace(raw[start]) { start += 1 }
        while end > start && Self.isSpace(raw[end - 1]) { end -= 1 }
        guard end > start else { blanks += 1; return }
        nonBlank += 1
        let bytes = UnsafeBufferPointer(rebasing: raw[start..<end])
        checkEncoding(bytes)
        let hash = identityHash(bytes)
        let key = keyLike
        let limit = key ? keyLimit : DistinctCounter.exactLimit
        if distinct.insert(hash, keepUpTo: limit, asKey: key), sample.count < Self.sampleSize {
            sample.append(hash)
        }
        if !key { distinct.shrink() }
        if let sentinel = SentinelValues.indexByHash[ValueHash.hash(bytes)] {
            sentinels[sentinel, default: 0] += 1
        }
        let traits = ValueShape.write(bytes, into: &shapeBuffer)
        countShape()
        countCode(bytes)
        if let kind = PersonalDataKind.byShape(bytes) { personalByShape[kind, default: 0] += 1 }
        countNumber(bytes)
        if traits.dateLike { countTimestamp(bytes) }
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }

    /// The hash distinct values and references are counted by: emails lower-cased and phones
    /// reduced to digits, so the same person's details count as one value.
    private func identityHash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        switch nameKind {
        case .email:
            normalized.removeAll(keepingCapacity: true)
            for byte in bytes { normalized.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) }
            return normalized.withUnsafeBufferPointer { ValueHash.hash($0) }
        case .phone:
            normalized.removeAll(keepingCapacity: true)
            for byte in bytes where (0x30...0x39).contains(byte) || byte == UInt8(ascii: "+") {
                normalized.append(byte)
            }
            return normalized.withUnsafeBufferPointer { ValueHash.hash($0) }
        default:
            return ValueHash.hash(bytes)
        }
    }

    private func checkEncoding(_ bytes: UnsafeBufferPointer<UInt8>) {
        if bytes.contains(0) { nulBytes += 1 }
        guard bytes.contains(where: { $0 >= 0x80 }) else { return }
        nonASCII += 1
        if String(validating: bytes, as: UTF8.self) == nil {
            invalidUTF8 += 1
            if bytes.contains(where: { (0x80...0x9F).contains($0) }) { c1Bytes += 1 }
        }
    }

    private func countShape() {
        let key = shapeBuffer.withUnsafeBufferPointer { ValueHash.hash($0) }
        if let entry = shapes[key] {
            shapes[key] = (entry.shape, entry.count + 1)
        } else if shapes.count < Self.maxShapes {
            shapes[key] = (shapeBuffer, 1)
        } else {
            otherShapes += 1
        }
    }

    private func countCode(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard codes != nil else { return }
        guard bytes.count <= Self.maxCodeLength else { codes = nil; return }
        let key = ValueHash.hash(bytes)
        if let entry = codes?[key] {
            codes?[key] = (entry.value, entry.count + 1)
        } else if (codes?.count ?? 0) < Self.maxCodes {
            codes?[key] = (Array(bytes), 1)
        } else {
            codes = nil
        }
    }

    private func countNumber(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch NumberText.classify(bytes) {
        case .integer(let value):
            integers += 1
            if value < 0 { negatives += 1 }
            minInteger = min(minInteger, value)
            maxInteger = max(maxInteger, value)
            if looksLikeTime { countEpoch(value) }
        case .decimal(let value):
            decimals += 1
            if value < 0 { negatives += 1 }
            minDecimal = min(minDecimal, value)
            maxDecimal = max(maxDecimal, value)
            countMoney(bytes)
        case .none:
            break
        }
    }

    private func countEpoch(_ seconds: Int64) {
        let (micros, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow, micros >= ParseTimestamp.lowerBound, micros < ParseTimestamp.upperBound else {
            epochOutOfRange += 1
            return
        }
        epochParsed += 1
        epochMin = min(epochMin, micros)
        epochMax = max(epochMax, micros)
    }

    /// Float artefacts: how the amount reads at 2 and 3 decimals (``ParseMoney``'s tolerance).
    private func countMoney(_ bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        let money = ParseMoney()
        switch money.parse(text, exponent: 2) {
        case .exact: moneyExact2 += 1
        case .snapped: moneySnapped2 += 1
        case .subMinor: moneySubMinor2 += 1
        case .unparseable, .outOfRange: break
        }
        switch money.parse(text, exponent: 3) {
        case .snapped: moneySnapped3 += 1
        case .subMinor: moneySubMinor3 += 1
        case .exact, .unparseable, .outOfRange: break
        }
    }

    private func countTimestamp(_ bytes: UnsafeBufferPointer<UInt8>) {
        let candidates = timestampShapes.candidates(shapeBuffer)
        guard !candidates.isEmpty else { return }
        let text = String(decoding: bytes, as: UTF8.self)
        for index in candidates {
            switch timestampShapes.parsers[index].parse(text) {
            case .value(let micros):
                timestampParsed[index, default: 0] += 1
                timestampMin[index] = min(timestampMin[index] ?? .max, micros)
                timestampMax[index] = max(timestampMax[index] ?? .min, micros)
            case .outOfRange: timestampOutOfRange[index, default: 0] += 1
            case .unparseable: timestampInvalid[index, default: 0] += 1
            }
        }
    }
}
