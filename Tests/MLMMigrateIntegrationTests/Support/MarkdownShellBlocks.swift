import Foundation
import MLMMigrate

/// The ```sh blocks of a Markdown document of the package, in order, each as written: what the
/// recipe tests run, so a doc cannot drift from what works.
enum MarkdownShellBlocks {
    static func blocks(_ document: String) throws -> [String] {
        let text = try String(contentsOfFile: PackagePaths.root + "/" + document, encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```sh" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append((current ?? []).joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }
}
