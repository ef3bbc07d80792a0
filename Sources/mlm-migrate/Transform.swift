import ArgumentParser
import MLMMigrate

struct Transform: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Assign new member ids in load order and resolve references.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let summary = try common.pipeline().transform()
            print("transform: \(summary.members) members in \(summary.levels) levels; rows sha256 \(summary.membersDigest)")
        }
    }
}
