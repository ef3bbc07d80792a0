import ArgumentParser
import MLMMigrate

struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create the target schema if needed and COPY the transformed rows in batches.")

    @OptionGroup var batches: BatchOptions
    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let (summary, described) = try common.pipeline(target: target, batches: batches).load(target: target.target)
            if summary.complete == false { return printPaused(summary) }
            print("load: run \(summary.runID), \(summary.members) members and \(summary.quarantined) quarantine rows in \(summary.batches) batches into \(described.endpoint)")
            if let entries = summary.walletEntries, let wallets = summary.wallets {
                print("load: \(entries) wallet entries, \(wallets) wallets, \(summary.ledgerQuarantined ?? 0) ledger quarantine rows")
            }
            if let cluster = described.embedded { print("connect: \(cluster.psqlCommand)") }
        }
    }
}
