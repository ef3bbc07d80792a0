import ArgumentParser
import MLMMigrate

struct Erase: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Erase one member's personal data by destroying their data key (crypto-shredding); records it in the erasure log.",
        discussion: "Needs no key. The member's ciphertexts stay but can never be decrypted; their blind indexes are removed."
    )

    @Option(name: .long, help: "The member's legacy id.")
    var member: String

    @Option(name: .long, help: "Why (a ticket or request reference; it is stored in mlm_migration.erasures, so no personal data).")
    var reason: String?

    @OptionGroup var target: TargetOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        try reportingErrors {
            let summary = try common.pipeline(target: target).operations.erase(target: target.target, legacyID: member, reason: reason)
            if summary.alreadyErased {
                print("member \(summary.legacyID) was already erased; nothing left to destroy")
            } else {
                let loaded = summary.memberID.map { "member_id \($0): data key destroyed, blind indexes removed; " } ?? "not loaded; "
                print("erased member \(summary.legacyID) (\(loaded)\(summary.quarantineRows) quarantined rows' keys destroyed); logged in mlm_migration.erasures")
            }
        }
    }
}
