import ArgumentParser
import MLMMigrate

struct ValidateMapping: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check a mapping file and list every error with its YAML path and line.")

    @Argument(help: "The mapping file.")
    var file: String

    func run() throws {
        let result = MappingLoader.check(path: file)
        guard result.issues.isEmpty else {
            for issue in result.issues { print("\(file): \(issue)") }
            print("\(result.issues.count) error(s)")
            throw ExitCode(2)
        }
        print("\(file): valid (vendor \(result.mapping?.vendor ?? "?"))")
    }
}
