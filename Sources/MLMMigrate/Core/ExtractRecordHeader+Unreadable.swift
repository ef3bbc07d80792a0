extension ExtractRecordHeader {
    /// The fields whose bytes Extract could not keep as text (`extract.invalid_encoding`,
    /// `extract.nul_byte`): the extract row's `_column`, comma-separated, first one first. Their
    /// values in the row are the bytes as lowercase hex (nil for PII fields, never written).
    public var unreadableFields: [String] {
        guard let column, reason == ReasonCode.invalidEncoding.rawValue || reason == ReasonCode.nulByte.rawValue else { return [] }
        return column.split(separator: ",").map(String.init)
    }

    /// Quarantine payload pairs with each unreadable field's hex moved to `_hex.<field>` (the
    /// field itself `null`), so the payload never claims the hex was the source text.
    public func payloadPairs(_ pairs: [(String, String?)]) -> [(String, String?)] {
        let hexFields = Set(unreadableFields)
        guard !hexFields.isEmpty else { return pairs }
        var out: [(String, String?)] = []
        var hex: [(String, String?)] = []
        for (field, value) in pairs {
            guard hexFields.contains(field), let value else {
                out.append((field, value))
                continue
            }
            out.append((field, nil))
            hex.append(("_hex." + field, value))
        }
        return out + hex
    }
}
