import Foundation
import MLMMigrate
import Testing

/// A stage file edited or cut between stages stops the next stage with the normal failure
/// (exit 2, `workdir.corrupt` naming the file and line, never a value), never a trap (an
/// `Illegal instruction` dump could print raw memory, PII included).
@Suite struct StageFileCorruptionTests {
    /// How a file is spoiled: a row loses its trailing fields, or the file is cut mid-line.
    enum Damage: CaseIterable { case shortRow, cutMidLine }

    /// The stage command that reads a stage directory's files.
    private func nextStage(_ directory: String, target: String) -> [String] {
        switch directory {
        case "extract": ["cleanse"]
        case "cleanse": ["transform"]
        default: ["load", "--target", target]
        }
    }

    /// Spoils `path`; returns the 1-based line the reader must name and the fields of that line.
    private func spoil(_ path: String, _ damage: Damage) throws -> (line: Int, fields: [String]) {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // the empty string after the last newline
        let index = lines.count > 1 ? lines.count / 2 + 1 < lines.count ? lines.count / 2 + 1 : lines.count - 1 : 0
        let fields = lines[index].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        switch damage {
        case .shortRow:
            lines[index] = fields.dropLast(max(1, fields.count / 2)).joined(separator: "\t")
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        case .cutMidLine:
            let kept = lines[..<index].joined(separator: "\n") + (index > 0 ? "\n" : "")
            let cut = String(lines[index].prefix(max(1, lines[index].count / 2)))
            try (kept + cut).write(toFile: path, atomically: false, encoding: .utf8)
        }
        return (index + 1, fields)
    }

    @Test func everyStageFileEditedOrCutStopsTheNextStageWithWorkdirCorruptNamingFileAndLine() throws {
        let template = try TemporaryDirectory()
        _ = try LoaderTests.transformedSample(template)
        var checked: [String] = []
        for directory in StageFile.stageDirectories {
            let names = try FileManager.default.contentsOfDirectory(atPath: "\(template.path)/\(directory)").filter { $0.hasSuffix(".tsv") }.sorted()
            // Written for people (the members Cleanse re-attached under the root); no stage reads it.
            for (number, name) in names.enumerated() where "\(directory)/\(name)" != StageFile.cleanseReattached.rawValue {
                let damage = Damage.allCases[number % Damage.allCases.count]
                let copy = try TemporaryDirectory()
                try FileManager.default.removeItem(atPath: copy.path)
                try FileManager.default.copyItem(atPath: template.path, toPath: copy.path)
                let path = "\(copy.path)/\(directory)/\(name)"
                let (line, fields) = try spoil(path, damage)
                let command = nextStage(directory, target: try TestPostgres.freshDatabase("corrupt"))
                let result = try ToolRun.run("mlm-migrate", command + ["--work-dir", copy.path, "--no-progress"])
                let what = "\(directory)/\(name) (\(damage)) read by \(command[0])"
                #expect(result.status == 2, "\(what): exit \(result.status) \(result.stderr)")
                #expect(result.stderr.contains("[workdir.corrupt]") && result.stderr.contains(path) && result.stderr.contains("line \(line) "), "\(what): \(result.stderr)")
                for value in fields where value.count >= 8 {
                    #expect(!result.stderr.contains(value), "\(what): the message quotes a value")
                }
                checked.append("\(directory)/\(name)")
            }
        }
        print("stage file corruption: \(checked.count) files checked: \(checked.joined(separator: ", "))")
        #expect(checked.count >= 25)
    }
}
