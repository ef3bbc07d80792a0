public import Foundation
import Glibc
import Mustache

/// Writes `report.json`, `report.md` and `report.html` for a run. Reports hold counts, reason
/// codes, check figures and digests only: never a source value.
public enum ReportWriter {
    public static func write(_ report: MigrationReport, to directory: String) throws(MigrationError) -> (json: String, markdown: String, html: String) {
        let jsonPath = "\(directory)/report.json"
        let markdownPath = "\(directory)/report.md"
        let htmlPath = "\(directory)/report.html"
        try AtomicFile.write(Array(report.json()), to: jsonPath)
        try AtomicFile.write(markdown(report), to: markdownPath)
        try AtomicFile.write(try html(report), to: htmlPath)
        return (jsonPath, markdownPath, htmlPath)
    }

    /// The templates, parsed once; nil only if ``ReportTemplate`` were broken (the tests render it).
    private static let templates: MustacheLibrary? = {
        var library = MustacheLibrary()
        do {
            try library.register(ReportTemplate.table, named: "table")
            try library.register(ReportTemplate.html, named: "report")
        } catch {
            return nil
        }
        return library
    }()

    /// `report.html`: the verdict, facts, charts and tables of ``ReportPage``, self-contained.
    public static func html(_ report: MigrationReport) throws(MigrationError) -> String {
        guard let html = templates?.render(ReportPage(report), withTemplate: "report") else {
            throw MigrationError(.internalUnexpected, "the report.html template does not parse")
        }
        return html
    }

    /// The names of the files the report stage wrote in `directory`: every regular file named
    /// `report.*`, sorted by name (whatever forms a version writes; an evidence pack hashes them all).
    public static func writtenFiles(in directory: String) throws(MigrationError) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw MigrationError(.workdirUnreadable, "cannot list \(directory)")
        }
        return names.filter { name in
            var info = stat()
            return name.hasPrefix("report.") && stat("\(directory)/\(name)", &info) == 0 && info.st_mode & S_IFMT == S_IFREG
        }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    public static func markdown(_ report: MigrationReport) -> String {
        let content = report.content
        var lines: [String] = []
        lines.append("# Migration report: \(content.passed ? "PASSED" : "FAILED")")
        lines.append("")
        lines.append("| | |")
        lines.append("|---|---|")
        lines.append("| run | \(report.run.runID) |")
        lines.append("| vendor | \(content.vendor) |")
        lines.append("| target | \(report.run.target) |")
        if let connection = report.run.connection { lines.append("| connection | \(connection) |") }
        lines.append("| generated | \(report.run.generatedAt) |")
        lines.append("| mlm-migrate | \(content.toolVersion) |")
        lines.append("| mapping SHA-256 | `\(content.mappingDigest)` |")
        lines.append("| report content SHA-256 | `\(report.contentDigest)` |")
        for entity in content.entities {
            lines.append("")
            lines.append("## \(entity.entity)")
            lines.append("")
            lines.append("| extracted | loaded | quarantined | balanced |")
            lines.append("|---:|---:|---:|---|")
            let balanced = entity.extracted == entity.loaded + entity.quarantined
            lines.append("| \(entity.extracted) | \(entity.loaded) | \(entity.quarantined) | \(balanced ? "yes" : "**NO**") |")
            lines.append("")
            let depth = entity.entity == "members" ? " Genealogy depth: \(entity.levels) levels." : ""
            let digest = entity.rowsDigest.isEmpty ? "" : " Rows SHA-256: `\(entity.rowsDigest)`."
            lines.append("Source files: \(entity.sourceFiles.joined(separator: ", ")).\(depth)\(digest)")
            if !entity.quarantinedByReason.isEmpty {
                lines.append("")
                lines.append("### Quarantined, by reason")
                lines.append("")
                lines.append("| reason | rows | meaning |")
                lines.append("|---|---:|---|")
                let meanings = Dictionary(ReasonCode.all.map { ($0.code.rawValue, $0.meaning) }, uniquingKeysWith: { first, _ in first })
                for (reason, rows) in entity.quarantinedByReason.sorted(by: { $0.key < $1.key }) {
                    lines.append("| `\(reason)` | \(rows) | \(meanings[reason] ?? "") |")
                }
            }
            if !entity.reattachedByReason.isEmpty {
                lines.append("")
                lines.append("### Loaded after re-attachment (to the root by `attach_to_root`, or to a duplicate's survivor)")
                lines.append("")
                lines.append("| reason | rows |")
                lines.append("|---|---:|")
                for (reason, rows) in entity.reattachedByReason.sorted(by: { $0.key < $1.key }) {
                    lines.append("| `\(reason)` | \(rows) |")
                }
            }
        }
        if let pairs = content.duplicateCandidates {
            lines.append("")
            lines.append("## Same person registered twice, both loaded: for review")
            lines.append("")
            lines.append("| legacy id | looks like | matching columns | score |")
            lines.append("|---|---|---|---:|")
            for pair in pairs {
                lines.append("| \(pair.legacyID) | \(pair.duplicateOfLegacyID) | \(pair.columns.joined(separator: ", ")) | \(pair.scorePercent)% |")
            }
        }
        if let exceptions = report.exceptions { lines += exceptionsSection(exceptions) }
        if let delta = content.delta { lines += deltaSection(delta) }
        if let ledger = content.ledger { lines += ledgerSection(ledger) }
        if let pii = content.pii { lines += piiSection(pii) }
        if let commission = content.commission { lines += commissionSection(commission) }
        lines.append("")
        lines.append("## Checks")
        lines.append("")
        lines.append("| check | result | expected | actual | what it proves |")
        lines.append("|---|---|---|---|---|")
        for check in content.checks {
            lines.append("| `\(check.name)` | \(check.passed ? "pass" : "**FAIL**") | \(short(check.expected)) | \(short(check.actual)) | \(check.description) |")
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// Exceptions a person must decide on, open and decided per kind (`mlm-migrate sign-off`).
    private static func exceptionsSection(_ figures: ExceptionFigures) -> [String] {
        var lines = ["", "## Exceptions: \(figures.open) open, \(figures.decided) decided", ""]
        lines.append("Listed one by one in `\(figures.file)` (docs/exceptions.md); decide each with `mlm-migrate sign-off`.")
        lines.append("")
        lines.append("| kind | exceptions | open | decided | accepted | fix in source | fix in target |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for kind in figures.kinds {
            let by = { (decision: ExceptionDecision) in kind.byDecision[decision.rawValue] ?? 0 }
            let counts = [kind.total, kind.open, kind.decided, by(.accepted), by(.fixInSource), by(.fixInTarget)]
            lines.append("| \(kind.kind) | " + counts.map(String.init).joined(separator: " | ") + " |")
        }
        return lines
    }

    /// Order volume control totals per period (scaled integers at the plan's volume_scale).
    private static func commissionSection(_ commission: CommissionFigures) -> [String] {
        var lines = ["", "## Commission volumes", "", "Per period, scaled at the plan's volume_scale: source = loaded + quarantined.", ""]
        lines.append("| period | source BV | loaded BV | quarantined BV | source PV | loaded PV | quarantined PV |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for period in commission.volumes {
            let name = period.period.isEmpty ? "(no period)" : period.period
            lines.append("| \(name) | \(period.sourceBV) | \(period.acceptedBV) | \(period.quarantinedBV) | \(period.sourcePV) | \(period.acceptedPV) | \(period.quarantinedPV) |")
        }
        lines.append("")
        lines.append("Quarantined orders without a value (unreadable volume or time): \(commission.unvaluedOrders). Volumes and amounts snapped from floating-point artefacts: \(commission.snapped).")
        return lines
    }

    /// Encrypted and empty values per PII column, the round trip, and the erasure log.
    private static func piiSection(_ pii: PIIFigures) -> [String] {
        var lines = ["", "## Personal data (encrypted)", ""]
        lines.append("\(pii.members) members have encrypted PII, under key-encryption key `\(pii.kekID)` (docs/pii-encryption.md); \(pii.erasedMembers) of them erased (data key destroyed).")
        lines.append("")
        lines.append("| column | encrypted | empty | blind-indexed |")
        lines.append("|---|---:|---:|---:|")
        for column in pii.columns {
            lines.append("| `\(column.field)` | \(column.encrypted) | \(column.empty) | \(pii.blindIndexes[column.field].map(String.init) ?? "") |")
        }
        lines.append("")
        lines.append("Round trip: \(pii.roundTripValues) values of \(pii.roundTripMembers) members decrypted and compared with the export read again (\(pii.roundTripScope)); \(pii.findingCount) problems.")
        if !pii.findings.isEmpty {
            lines.append("")
            lines.append("| legacy id | column | problem |")
            lines.append("|---|---|---|")
            for finding in pii.findings { lines.append("| \(finding.legacyID) | `\(finding.column)` | \(finding.problem) |") }
        }
        lines.append("")
        lines.append("### Erasures (\(pii.erasures.count))")
        lines.append("")
        if pii.erasures.isEmpty {
            lines.append("None.")
        } else {
            lines.append("| legacy id | erased at (UTC) | reason |")
            lines.append("|---|---|---|")
            for erasure in pii.erasures { lines.append("| \(erasure.legacyID) | \(erasure.erasedAt) | \(erasure.reason ?? "") |") }
        }
        return lines
    }

    /// What a delta run changed, per table, and the members it kept.
    private static func deltaSection(_ delta: DeltaFigures) -> [String] {
        var lines = ["", "## Delta: changes applied from the later export", ""]
        lines.append("Rows this run wrote, read back from the target. Updated rows' prior images are kept for `mlm-migrate rollback`. Rows of members gone from the export are kept, not deleted.")
        lines.append("")
        lines.append("| table | inserted | updated | unchanged | gone from the export (kept) |")
        lines.append("|---|---:|---:|---:|---:|")
        for entity in delta.entities {
            lines.append("| \(entity.entity) | \(entity.inserted) | \(entity.updated) | \(entity.unchanged) | \(entity.gone) |")
        }
        lines.append("")
        lines.append("Members the export gives only as quarantined rows, kept as they were: \(delta.keptQuarantined). Kept members this run changed (status set by the mapping's `delta: gone_members: mark`, or placement slot freed for a member of the export): \(delta.keptChanged).")
        if !delta.goneMembers.isEmpty {
            lines.append("")
            lines.append("Members gone from the export (legacy ids\(delta.goneMembers.count == DeltaReconciler.listLimit ? ", the first \(DeltaReconciler.listLimit)" : "")): \(delta.goneMembers.joined(separator: ", ")).")
        }
        return lines
    }

    /// Control totals per currency, the run digest and every balance variance.
    private static func ledgerSection(_ ledger: LedgerFigures) -> [String] {
        var lines = ["", "## Ledger", ""]
        lines.append("Amounts are in each currency's own decimals (report.json gives them in minor units, with the exponent). Source total = loaded + quarantined must hold for every currency.")
        lines.append("")
        lines.append("| currency | source entries | source total | loaded entries | loaded total | quarantined entries | quarantined total | balanced |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---|")
        for figure in ledger.currencies {
            func money(_ minor: String) -> String { MoneyText.format(minor, currency: figure.currency) }
            lines.append(
                "| \(figure.currency) | \(figure.sourceEntries) | \(money(figure.sourceMinor)) | \(figure.loadedEntries) | "
                    + "\(money(figure.loadedMinor)) | \(figure.quarantinedEntries) | \(money(figure.quarantinedMinor)) | \(figure.balanced ? "yes" : "**NO**") |"
            )
        }
        lines.append("")
        lines.append("Quarantined entries without a value (unparseable amount, unknown currency or sign, sub-minor digits): \(ledger.unvaluedQuarantined). Amounts snapped from floating-point artefacts: \(ledger.snappedAmounts). Wallets: \(ledger.wallets).")
        lines.append("")
        lines.append("Ledger run digest: `\(ledger.runDigest)` (re-derive it with docs/ledger-hashing.md or `mlm-migrate verify-ledger`).")
        if !ledger.conflicts.isEmpty {
            lines.append("")
            lines.append("### History changed in the export (\(ledger.conflicts.count) wallets, not appended to)")
            lines.append("")
            lines.append("Ledgers only append. These wallets' entries in the target are not the first entries of the later export's; each needs a decision with the legacy system's owners.")
            lines.append("")
            lines.append("| member | currency | first differing seq | its legacy txn id | problem |")
            lines.append("|---|---|---:|---|---|")
            for conflict in ledger.conflicts {
                lines.append("| \(conflict.legacyID) | \(conflict.currency) | \(conflict.seq.map(String.init) ?? "") | \(conflict.legacyTxnID ?? "") | \(conflict.problem) |")
            }
        }
        lines.append("")
        lines.append("### Balance variances (\(ledger.variances.count))")
        lines.append("")
        if ledger.variances.isEmpty {
            lines.append("Every wallet's recomputed balance equals its legacy balance.")
        } else {
            lines.append("Recomputed from the entries, compared with the legacy closing balance. Never corrected by mlm-migrate: each needs a decision.")
            lines.append("")
            lines.append("| member | currency | legacy balance | recomputed | difference |")
            lines.append("|---|---|---:|---:|---:|")
            for variance in ledger.variances {
                func money(_ minor: String) -> String { MoneyText.format(minor, currency: variance.currency) }
                lines.append(
                    "| \(variance.legacyID) | \(variance.currency) | \(variance.legacyBalanceMinor.map(money) ?? "none") | "
                        + "\(money(variance.balanceMinor)) | \(variance.differenceMinor.map(money) ?? "n/a") |"
                )
            }
        }
        return lines
    }

    private static func short(_ value: String) -> String {
        value.count > 20 ? "`\(value.prefix(16))…`" : value
    }
}
