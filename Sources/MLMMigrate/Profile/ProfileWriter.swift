public import Foundation

/// Writes a profile's files into a directory: `profile.json` and `profile.md`.
public enum ProfileWriter {
    public static let jsonName = "profile.json"
    public static let markdownName = "profile.md"

    /// Writes both files (creating `directory`); returns their paths.
    public static func write(
        _ profile: Profile, to directory: String
    ) throws(MigrationError) -> (json: String, markdown: String) {
        let json = (directory as NSString).appendingPathComponent(jsonName)
        let markdown = (directory as NSString).appendingPathComponent(markdownName)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try profile.jsonData().write(to: URL(fileURLWithPath: json))
            try Data(ProfileMarkdown.render(profile).utf8).write(to: URL(fileURLWithPath: markdown))
        } catch {
            throw MigrationError(.workdirUnwritable, "cannot write the profile into \(directory)")
        }
        return (json, markdown)
    }
}
