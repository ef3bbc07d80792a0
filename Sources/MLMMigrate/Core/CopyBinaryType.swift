/// A column type this tool sends and reads in PostgreSQL's binary `COPY` format, with its wire
/// form (PostgreSQL's "Binary Format" of `COPY`: each integer big-endian).
///
/// The stream: the 19-byte header `PGCOPY\n\xff\r\n\0`, flags 0 (32 bits), extension length 0
/// (32 bits); per row a 16-bit field count, then each field's 32-bit length (-1 for NULL) and
/// bytes; the trailer -1 (16 bits).
enum CopyBinaryType: Sendable, Equatable {
    /// `smallint`, `integer`, `bigint`: two, four or eight bytes.
    case integer(bytes: Int)
    /// `boolean`: one byte, 1 or 0 (`t` or `f` in text).
    case boolean
    /// `text`: its UTF-8 bytes.
    case text
    /// `bytea`: its bytes (`\x` and hex in text).
    case bytea
    /// `timestamp with time zone`: microseconds since 2000-01-01 00:00 UTC, 64 bits.
    case timestamptz

    /// The type as `format_type` names it; nil for one this tool leaves to text.
    init?(typeName: String) {
        switch typeName {
        case "smallint": self = .integer(bytes: 2)
        case "integer": self = .integer(bytes: 4)
        case "bigint": self = .integer(bytes: 8)
        case "boolean": self = .boolean
        case "text": self = .text
        case "bytea": self = .bytea
        case "timestamp with time zone": self = .timestamptz
        default: return nil
        }
    }

    var name: String {
        switch self {
        case .integer(bytes: 2): "smallint"
        case .integer(bytes: 4): "integer"
        case .integer: "bigint"
        case .boolean: "boolean"
        case .text: "text"
        case .bytea: "bytea"
        case .timestamptz: "timestamp with time zone"
        }
    }

    static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]
    static let trailer: [UInt8] = [0xFF, 0xFF]
    /// 2000-01-01 00:00 UTC in microseconds since 1970-01-01: PostgreSQL's epoch.
    static let postgresEpochMicros: Int64 = 946_684_800_000_000
}
