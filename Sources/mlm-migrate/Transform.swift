import ArgumentParser
import MLMMigrate

struct Transform: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Assign new member ids in load order and resolve references.")

    @Flag(help: "A delta run: number the members against the target's (members it has keep their ids), so load writes only the changes.")
    var delta = false

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let pipeline = try common.pipeline(target: target)
            let summary = try pipeline.transform(delta: delta, target: target.target)
            print("transform: \(summary.members) members in \(summary.levels) levels; rows sha256 \(summary.membersDigest)")
            if let ledger = try pipeline.work.readManifest().ledgerTransform {
                print("transform: \(ledger.entries) wallet entries in \(ledger.wallets) wallets, \(ledger.variances) balance variances; ledger run digest \(ledger.runDigest)")
            }
        }
    }
}
