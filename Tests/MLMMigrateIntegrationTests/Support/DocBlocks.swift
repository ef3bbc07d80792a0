import Foundation
import MLMMigrate

/// The fenced shell blocks (```sh, ```bash) of the project's Markdown, and a way to run one as
/// written: placeholders substituted, `mlm-migrate` on PATH (the test build's), in a directory
/// that has the repository's samples, mappings and scripts.
enum DocBlocks {
    struct Block {
        var document: String
        var line: Int
        var text: String
    }

    /// README.md, docs/*.md and runbooks/*.md, relative to the repository root, sorted.
    static func documents() throws -> [String] {
        let files = FileManager.default
        let nested = try ["docs", "runbooks"].flatMap { folder in
            try files.contentsOfDirectory(atPath: "\(PackagePaths.root)/\(folder)").filter { $0.hasSuffix(".md") }.map { "\(folder)/\($0)" }
        }
        return (["README.md"] + nested).sorted()
    }

    static func blocks(_ document: String) throws -> [Block] {
        let text = try String(contentsOfFile: "\(PackagePaths.root)/\(document)", encoding: .utf8)
        var blocks: [Block] = []
        var current: Block?
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            if current == nil, line == "```sh" || line == "```bash" {
                current = Block(document: document, line: index + 2, text: "")
            } else if var block = current, line.hasPrefix("```") {
                block.text.removeLast()
                blocks.append(block)
                current = nil
            } else if current != nil {
                current?.text += line + "\n"
            }
        }
        return blocks
    }

    /// A directory holding copies of samples/, mappings/ and scripts/, to run recipes in.
    static func workspace() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for folder in ["samples", "mappings", "scripts"] {
            try FileManager.default.copyItem(atPath: "\(PackagePaths.root)/\(folder)", toPath: "\(directory.path)/\(folder)")
        }
        return directory
    }

    /// Runs `block` with bash (`set -e -o pipefail`) in `directory` after replacing each
    /// placeholder of `substitutions` (longest first) in its text.
    static func run(_ block: Block, in directory: String, _ substitutions: [String: String] = [:]) throws -> CommandRunner.Result {
        var text = block.text
        for key in substitutions.keys.sorted(by: { $0.count > $1.count }) {
            text = text.replacingOccurrences(of: key, with: substitutions[key] ?? key)
        }
        var environment = ProcessInfo.processInfo.environment
        let bin = (PackagePaths.executable("mlm-migrate") as NSString).deletingLastPathComponent
        environment["PATH"] = bin + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["MLM_BIN_DIR"] = bin
        return try CommandRunner.run(
            "/bin/bash", ["-e", "-o", "pipefail", "-c", "cd \"$1\"\n" + text, "recipe", directory],
            environment: environment, separateErrors: true
        )
    }
}
