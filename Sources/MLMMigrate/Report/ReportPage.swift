/// What `report.html` shows, as plain text and numbers the logic-less template lays out:
/// the verdict, the run's facts, the charts, then every table of `report.md`. Money is shown in
/// its currency (``MoneyText``); nothing here is a source value but legacy ids, reason codes
/// and figures, as in `report.md`.
struct ReportPage {
    struct Fact {
        var label: String
        var value: String
        var isCode: Bool
    }

    struct Cell {
        var text: String
        var isNumber: Bool
        var isCode: Bool
        var isBad: Bool
    }

    struct Row {
        var cells: [Cell]
    }

    struct Header {
        var text: String
        var isNumber: Bool
    }

    /// A table under a heading, with a sentence before it. A column is right-aligned when its
    /// cells are figures.
    struct Table {
        var title: String
        var note: String
        var hasNote: Bool
        var headers: [Header]
        var rows: [Row]

        init(title: String, note: String, headers: [String], rows: [Row]) {
            self.title = title
            self.note = note
            hasNote = !note.isEmpty
            self.rows = rows
            self.headers = headers.enumerated().map { index, name in
                Header(text: name, isNumber: rows.contains { index < $0.cells.count && $0.cells[index].isNumber })
            }
        }
    }

    var title: String
    var passed: Bool
    var verdict: String
    var summary: String
    var facts: [Fact]
    /// The failed checks' table, first after the verdict; empty when every check passed.
    var failedChecks: [Table]
    var charts: [ReportChart]
    var hasCharts: Bool
    /// Every table of `report.md`, the checks last.
    var tables: [Table]

    init(_ report: MigrationReport) {
        let content = report.content
        passed = content.passed
        verdict = content.passed ? "PASSED" : "FAILED"
        title = "Migration report: \(verdict)"
        let failed = content.checks.filter { !$0.passed }
        summary = failed.isEmpty
            ? "All \(content.checks.count) checks passed."
            : "\(failed.count) of \(content.checks.count) checks failed: do not go live until each is resolved."
        var facts = [
            Fact(label: "run", value: String(report.run.runID), isCode: false),
            Fact(label: "vendor", value: content.vendor, isCode: false),
            Fact(label: "target", value: report.run.target, isCode: false),
        ]
        if let connection = report.run.connection {
            facts.append(Fact(label: "connection", value: connection, isCode: false))
        }
        facts += [
            Fact(label: "generated", value: report.run.generatedAt, isCode: false),
            Fact(label: "mlm-migrate", value: content.toolVersion, isCode: false),
            Fact(label: "mapping SHA-256", value: content.mappingDigest, isCode: true),
            Fact(label: "report content SHA-256", value: report.contentDigest, isCode: true),
        ]
        if let exceptions = report.exceptions {
            let text = "\(Self.count(exceptions.open)) open, \(Self.count(exceptions.decided)) decided (\(exceptions.file))"
            facts.append(Fact(label: "exceptions", value: text, isCode: false))
        }
        self.facts = facts
        failedChecks = failed.isEmpty ? [] : [Table(
            title: "Failed checks", note: "",
            headers: Self.headers("check", "result", "expected", "actual", "what it proves"), rows: failed.map(Self.checkRow)
        )]
        charts = Self.charts(report)
        hasCharts = !charts.isEmpty
        tables = report.exceptions.map { [Self.exceptionsTable($0)] } ?? []
        tables += Self.tables(content) + [Table(
            title: "Checks", note: "Every check with the figures it compared.",
            headers: Self.headers("check", "result", "expected", "actual", "what it proves"),
            rows: content.checks.map(Self.checkRow)
        )]
    }

    /// Exceptions a person must decide on, open and decided per kind, as report.md shows them.
    static func exceptionsTable(_ figures: ExceptionFigures) -> Table {
        Table(
            title: "Exceptions: \(count(figures.open)) open, \(count(figures.decided)) decided",
            note: "Listed one by one in \(figures.file) (docs/exceptions.md); decide each with mlm-migrate sign-off.",
            headers: headers("kind", "exceptions", "open", "decided", "accepted", "fix in source", "fix in target"),
            rows: figures.kinds.map { kind in
                let by = { (decision: ExceptionDecision) in number(kind.byDecision[decision.rawValue] ?? 0) }
                var open = number(kind.open)
                open.isBad = kind.open > 0
                return Row(cells: [
                    code(kind.kind), number(kind.total), open, number(kind.decided), by(.accepted), by(.fixInSource), by(.fixInTarget),
                ])
            }
        )
    }

    static func checkRow(_ check: Check) -> Row {
        Row(cells: [
            code(check.name),
            Cell(text: check.passed ? "pass" : "FAIL", isNumber: false, isCode: false, isBad: !check.passed),
            code(short(check.expected)), code(short(check.actual)), text(check.description),
        ])
    }

    // MARK: Charts

    static func charts(_ report: MigrationReport) -> [ReportChart] {
        let content = report.content
        var charts: [ReportChart] = []
        if let genealogy = content.genealogy {
            let unlinked = genealogy.sourceUnlinked == 0
                ? ""
                : " \(count(genealogy.sourceUnlinked)) rows of the export reach no root (missing sponsor or a cycle) "
                    + "and have no level."
            charts.append(.pairedColumns(
                title: "Sponsor-tree depth: export and loaded",
                note: "Members per level (level 1 has no sponsor).\(unlinked)",
                first: genealogy.sourceLevels, second: genealogy.loadedLevels,
                keys: [.init(name: "export", tone: "source"), .init(name: "loaded", tone: "loaded")]
            ))
        }
        if let ledger = content.ledger, !ledger.currencies.isEmpty {
            var items: [(label: String, value: String, magnitude: Int128?, tone: String)] = []
            for currency in ledger.currencies {
                items.append((currency.currency, "", nil, currency.balanced ? "" : "bad"))
                for (name, minor, tone) in [
                    ("source", currency.sourceMinor, "source"), ("loaded", currency.loadedMinor, "loaded"),
                    ("quarantined", currency.quarantinedMinor, "quarantined"),
                ] {
                    items.append((name, MoneyText.format(minor, currency: currency.currency), Int128(minor) ?? 0, tone))
                }
            }
            charts.append(.bars(
                title: "Ledger totals per currency",
                note: "Source = loaded + quarantined, each currency on its own scale.", items: items
            ))
            if !ledger.variances.isEmpty {
                let buckets = ReportChart.varianceBuckets(ledger.variances)
                charts.append(.bars(
                    title: "Balance variances by size",
                    note: "Wallets whose recomputed balance differs from the legacy one, by recomputed minus legacy "
                        + "in major units of each wallet's currency (ranges with no wallet left out).",
                    items: buckets.filter { $0.count > 0 }
                        .map { ($0.label, count($0.count), Int128($0.count), "variance") }
                ))
            }
        }
        if let timings = report.run.timings, !timings.isEmpty {
            charts.append(.bars(
                title: "Stage timings", note: "Seconds each stage took in this work directory.",
                items: timings.map { ($0.stage, seconds($0.milliseconds), Int128($0.milliseconds), "time") }
            ))
        }
        // Last: the longest chart, so the shorter ones fill the columns beside it.
        var reasons: [(label: String, value: String, magnitude: Int128?, tone: String)] = []
        for entity in content.entities where !entity.quarantinedByReason.isEmpty {
            reasons.append((entity.entity, "", nil, ""))
            for (reason, rows) in entity.quarantinedByReason.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
                reasons.append((reason, count(rows), Int128(rows), "quarantined"))
            }
        }
        if !reasons.isEmpty {
            charts.append(.bars(
                title: "Quarantined rows by reason", note: "Rows not loaded, per entity and reason code (docs/mapping.md).",
                items: reasons, scalePerHeading: false
            ))
        }
        return charts
    }

    // MARK: Tables

    static func tables(_ content: MigrationReport.Content) -> [Table] {
        var tables = [Table(
            title: "Rows per entity", note: "Extracted = loaded + quarantined for every entity.",
            headers: headers("entity", "extracted", "loaded", "quarantined", "balanced"),
            rows: content.entities.map { entity in
                let balanced = entity.extracted == entity.loaded + entity.quarantined
                return Row(cells: [
                    text(entity.entity), number(entity.extracted), number(entity.loaded), number(entity.quarantined),
                    Cell(text: balanced ? "yes" : "NO", isNumber: false, isCode: false, isBad: !balanced),
                ])
            }
        )]
        let meanings = Dictionary(ReasonCode.all.map { ($0.code.rawValue, $0.meaning) }, uniquingKeysWith: { first, _ in first })
        let reasons = content.entities.flatMap { entity in
            entity.quarantinedByReason.sorted { $0.key < $1.key }.map { reason, rows in
                Row(cells: [text(entity.entity), code(reason), number(rows), text(meanings[reason] ?? "")])
            }
        }
        if !reasons.isEmpty {
            tables.append(Table(
                title: "Quarantined, by reason", note: "Each row is in mlm_migration.quarantine with its source line.",
                headers: headers("entity", "reason", "rows", "meaning"), rows: reasons
            ))
        }
        if let delta = content.delta { tables.append(deltaTable(delta)) }
        if let ledger = content.ledger { tables += ledgerTables(ledger) }
        if let pii = content.pii {
            tables.append(Table(
                title: "Personal data (encrypted)",
                note: "\(count(pii.members)) members have encrypted PII under key-encryption key \(pii.kekID); "
                    + "round trip: \(count(pii.roundTripValues)) values decrypted and compared, \(count(pii.findingCount)) problems; "
                    + "\(count(pii.erasures.count)) erasures.",
                headers: headers("column", "encrypted", "empty", "blind-indexed"),
                rows: pii.columns.map { column in
                    Row(cells: [
                        code(column.field), number(column.encrypted), number(column.empty),
                        pii.blindIndexes[column.field].map(number) ?? text(""),
                    ])
                }
            ))
        }
        if let commission = content.commission {
            tables.append(Table(
                title: "Commission volumes",
                note: "Per period, scaled at the plan's volume_scale: source = loaded + quarantined.",
                headers: headers("period", "source BV", "loaded BV", "quarantined BV", "source PV", "loaded PV", "quarantined PV"),
                rows: commission.volumes.map { period in
                    Row(cells: [text(period.period.isEmpty ? "(no period)" : period.period)]
                        + [period.sourceBV, period.acceptedBV, period.quarantinedBV, period.sourcePV, period.acceptedPV, period.quarantinedPV]
                        .map { Cell(text: $0, isNumber: true, isCode: false, isBad: false) })
                }
            ))
        }
        if let pairs = content.duplicateCandidates {
            tables.append(Table(
                title: "Same person registered twice, both loaded: for review", note: "",
                headers: headers("legacy id", "looks like", "matching columns", "score"),
                rows: pairs.map { pair in
                    Row(cells: [
                        text(pair.legacyID), text(pair.duplicateOfLegacyID), text(pair.columns.joined(separator: ", ")),
                        Cell(text: "\(pair.scorePercent)%", isNumber: true, isCode: false, isBad: false),
                    ])
                }
            ))
        }
        return tables
    }

    static func deltaTable(_ delta: DeltaFigures) -> Table {
        Table(
            title: "Delta: changes applied from the later export",
            note: "Rows this run wrote, read back from the target. Kept members only as quarantined rows: "
                + "\(count(delta.keptQuarantined)); kept members changed: \(count(delta.keptChanged)).",
            headers: headers("table", "inserted", "updated", "unchanged", "gone from the export (kept)"),
            rows: delta.entities.map { entity in
                Row(cells: [text(entity.entity), number(entity.inserted), number(entity.updated), number(entity.unchanged), number(entity.gone)])
            }
        )
    }

    static func ledgerTables(_ ledger: LedgerFigures) -> [Table] {
        var tables = [Table(
            title: "Ledger",
            note: "Amounts in each currency's own decimals. Wallets: \(count(ledger.wallets)). Quarantined entries without a value: "
                + "\(count(ledger.unvaluedQuarantined)). Run digest: \(ledger.runDigest).",
            headers: headers("currency", "source entries", "source total", "loaded entries", "loaded total", "quarantined entries", "quarantined total", "balanced"),
            rows: ledger.currencies.map { figure in
                Row(cells: [
                    text(figure.currency), number(figure.sourceEntries), money(figure.sourceMinor, figure.currency),
                    number(figure.loadedEntries), money(figure.loadedMinor, figure.currency), number(figure.quarantinedEntries),
                    money(figure.quarantinedMinor, figure.currency),
                    Cell(text: figure.balanced ? "yes" : "NO", isNumber: false, isCode: false, isBad: !figure.balanced),
                ])
            }
        )]
        if !ledger.conflicts.isEmpty {
            tables.append(Table(
                title: "History changed in the export (\(ledger.conflicts.count) wallets, not appended to)",
                note: "Ledgers only append: each needs a decision with the legacy system's owners.",
                headers: headers("member", "currency", "first differing seq", "its legacy txn id", "problem"),
                rows: ledger.conflicts.map { conflict in
                    Row(cells: [
                        text(conflict.legacyID), text(conflict.currency), text(conflict.seq.map(String.init) ?? ""),
                        text(conflict.legacyTxnID ?? ""), text(conflict.problem),
                    ])
                }
            ))
        }
        tables.append(Table(
            title: "Balance variances (\(ledger.variances.count))",
            note: ledger.variances.isEmpty
                ? "Every wallet's recomputed balance equals its legacy balance."
                : "Recomputed from the entries, compared with the legacy closing balance. Never corrected by mlm-migrate: each needs a decision.",
            headers: headers("member", "currency", "legacy balance", "recomputed", "difference"),
            rows: ledger.variances.map { variance in
                Row(cells: [
                    text(variance.legacyID), text(variance.currency),
                    variance.legacyBalanceMinor.map { money($0, variance.currency) } ?? text("none"),
                    money(variance.balanceMinor, variance.currency),
                    variance.differenceMinor.map { money($0, variance.currency) } ?? text("n/a"),
                ])
            }
        ))
        return tables
    }

    // MARK: Cells

    static func headers(_ names: String...) -> [String] { names }

    static func text(_ value: String) -> Cell { Cell(text: value, isNumber: false, isCode: false, isBad: false) }
    static func code(_ value: String) -> Cell { Cell(text: value, isNumber: false, isCode: true, isBad: false) }
    static func number(_ value: Int) -> Cell { Cell(text: count(value), isNumber: true, isCode: false, isBad: false) }
    static func money(_ minor: String, _ currency: String) -> Cell {
        Cell(text: MoneyText.format(minor, currency: currency), isNumber: true, isCode: false, isBad: false)
    }

    static func count(_ value: Int) -> String { MoneyText.decimal(String(value), exponent: 0) ?? String(value) }
    static func seconds(_ milliseconds: Int) -> String { (MoneyText.decimal(String(milliseconds), exponent: 3) ?? "") + " s" }
    static func short(_ value: String) -> String { value.count > 20 ? "\(value.prefix(16))…" : value }
}
