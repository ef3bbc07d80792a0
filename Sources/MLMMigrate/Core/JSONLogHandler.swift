public import Foundation
public import Logging

/// A swift-log handler that writes one JSON object a line (`--log-format json`), for a log
/// shipper: `time` (UTC, ISO 8601 with milliseconds), `level`, `label`, `message` and
/// `metadata` (the logger's, then the message's). It writes what the text handler writes and
/// nothing more: messages and metadata carry counts, codes and locations, never a value.
public struct JSONLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let write: @Sendable (String) -> Void

    /// `write` receives each line with its newline; by default standard error.
    public init(label: String, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let given = event.metadata { merged.merge(given) { $1 } }
        let fields = [
            "\"time\":" + JSONText.quote(Self.timestamp(Date())),
            "\"level\":" + JSONText.quote(event.level.rawValue),
            "\"label\":" + JSONText.quote(label),
            "\"message\":" + JSONText.quote(event.message.description),
            "\"metadata\":" + Self.json(.dictionary(merged)),
        ]
        write("{" + fields.joined(separator: ",") + "}\n")
    }

    /// A metadata value as JSON: strings as strings, dictionaries as objects (keys sorted),
    /// arrays as arrays.
    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): JSONText.quote(text)
        case .stringConvertible(let convertible): JSONText.quote(convertible.description)
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let entries):
            "{" + entries.sorted { $0.key < $1.key }.map { JSONText.quote($0.key) + ":" + json($0.value) }.joined(separator: ",") + "}"
        }
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
