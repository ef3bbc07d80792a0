/// The identity tokens of every member (`<field>=<blind index>`, as ``GenealogyNode`` writes
/// them), packed: a token `email=\x` + 64 lower-case hex digits is kept as its field's number
/// and the 32 decoded bytes (lossless: it is rebuilt exactly), any other as its text.
/// Token equality is the tokens' string equality; a packed token (ASCII, in normal form) can
/// only equal another packed one.
struct IdentityTokens: Sendable {
    /// Per member, the end of its tokens in ``fields``.
    private var ends: [UInt32] = []
    /// Per token: its field's number in ``fieldNames``, or ``textToken``.
    private var fields: [UInt16] = []
    /// Per token: its 32 bytes, or the position of its text in ``texts``.
    private var hashes: [Hash32] = []
    private var texts = PackedStrings()
    private var fieldNames: [String] = []
    private static let textToken = UInt16.max

    var members: Int { ends.count }
    var count: Int { fields.count }

    /// The tokens of member `member` (none for a member added without ``endMember()``).
    func tokens(of member: Int) -> Range<Int> {
        guard member < ends.count else { return 0..<0 }
        return (member == 0 ? 0 : Int(ends[member - 1]))..<Int(ends[member])
    }

    /// The member a token belongs to.
    func member(ofToken token: Int) -> Int {
        var low = 0
        var high = ends.count - 1
        while low < high {
            let middle = (low + high) / 2
            if Int(ends[middle]) > token { high = middle } else { low = middle + 1 }
        }
        return low
    }

    mutating func append(field: String, value: String) {
        if let hash = Self.packedHash(value), let number = fieldNumber(field) {
            fields.append(number)
            hashes.append(hash)
        } else {
            appendText("\(field)=\(value)")
        }
    }

    mutating func append(token: String) {
        let bytes = Array(token.utf8)
        if let equals = bytes.firstIndex(of: UInt8(ascii: "=")),
           let hash = Self.packedHash(String(decoding: bytes[(equals + 1)...], as: UTF8.self)),
           let number = fieldNumber(String(decoding: bytes[..<equals], as: UTF8.self)) {
            fields.append(number)
            hashes.append(hash)
        } else {
            appendText(token)
        }
    }

    /// Closes the current member's list of tokens.
    mutating func endMember() { ends.append(UInt32(fields.count)) }

    private mutating func appendText(_ token: String) {
        fields.append(Self.textToken)
        hashes.append(Hash32(Self.positionBytes(texts.count)))
        texts.append(token)
    }

    private static func positionBytes(_ position: Int) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: position >> (8 * (7 - $0))) }
    }

    /// The number of a field whose name is lower-case letters, digits and `_` (no character of
    /// another string can be canonically equivalent to those), else nil.
    private mutating func fieldNumber(_ field: String) -> UInt16? {
        let plain = field.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
        guard !field.isEmpty, plain else { return nil }
        if let known = fieldNames.firstIndex(of: field) { return UInt16(known) }
        guard fieldNames.count < Int(Self.textToken) else { return nil }
        fieldNames.append(field)
        return UInt16(fieldNames.count - 1)
    }

    /// The bytes of a blind index written `\x` and 64 lower-case hex digits, else nil.
    private static func packedHash(_ value: String) -> Hash32? {
        let utf8 = value.utf8
        guard utf8.count == 66, utf8.starts(with: [0x5C, 0x78]),
              utf8.dropFirst(2).allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let bytes = Hex.decodeBytea(value) else { return nil }
        return Hash32.exactly(bytes)
    }

    /// The token as text, exactly as it was given.
    func text(_ token: Int) -> String {
        guard fields[token] != Self.textToken else { return texts[textPosition(token)] ?? "" }
        return "\(fieldNames[Int(fields[token])])=\(Hex.bytea(hashes[token].bytes))"
    }

    private func textPosition(_ token: Int) -> Int {
        hashes[token].bytes.prefix(8).reduce(0) { $0 << 8 | Int($1) }
    }

    /// The identity column a token names: the text before its `=`.
    func column(_ token: Int) -> String {
        guard fields[token] != Self.textToken else { return String(text(token).prefix { $0 != "=" }) }
        return fieldNames[Int(fields[token])]
    }

    /// A hash of the token consistent with ``same(_:_:)``.
    func hash(_ token: Int) -> Int {
        var hasher = Hasher()
        if fields[token] == Self.textToken {
            hasher.combine(1 as UInt8)
            hasher.combine(text(token))
        } else {
            hasher.combine(fields[token])
            hasher.combine(hashes[token])
        }
        return hasher.finalize()
    }

    /// Whether two tokens are equal as strings.
    func same(_ a: Int, _ b: Int) -> Bool {
        switch (fields[a] == Self.textToken, fields[b] == Self.textToken) {
        case (false, false): fields[a] == fields[b] && hashes[a] == hashes[b]
        case (true, true): text(a) == text(b)
        default: false
        }
    }
}
