public import Foundation

/// A starting mapping written from a ``Profile`` (`profile --draft-mapping`): the members and
/// wallet entities found, their key, reference, timestamp, money and personal-data columns,
/// each guess commented with its evidence. `validate-mapping` accepts it; a person reviews it.
///
/// Built from the profile alone, so it can hold no personal-data value either.
public struct MappingDraft {
    public let profile: Profile
    /// The draft's lines, built once.
    private var lines: [String] = []

    public init(profile: Profile) {
        self.profile = profile
        var builder = DraftBuilder(profile: profile)
        lines = builder.build()
    }

    /// The YAML text.
    public var yaml: String { lines.joined(separator: "\n") + "\n" }

    public func write(to path: String) throws(MigrationError) {
        do {
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw MigrationError(.workdirUnwritable, "cannot write the draft mapping \(path)")
        }
    }
}
