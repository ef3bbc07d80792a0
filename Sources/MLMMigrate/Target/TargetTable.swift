/// One table a load writes, declared once in ``TargetTables``: the load, the delta load,
/// rollback, reconcile and the bulk-load foreign keys all read these facts from here.
///
/// `name` and `columns` are inserted into SQL as written: they must be constants of this
/// module, never text from a mapping or an export.
public struct TargetTable: Sendable, Equatable {
    /// Which runs write the table: every run, or only those whose mapping has PII or a ledger.
    public enum Scope: Sendable, Equatable {
        case always, pii, ledger, commission
    }

    /// A foreign key dropped for a bulk load into an empty target and added back (validated in
    /// one scan) after the last batch.
    public struct ForeignKey: Sendable, Equatable {
        public var name: String
        public var definition: String

        /// The table the key references (`mlm.members`), from ``definition``.
        public var referencedTable: String {
            guard let range = definition.range(of: "REFERENCES ") else { return "" }
            return String(definition[range.upperBound...].prefix { $0 != " " && $0 != "(" })
        }
    }

    /// Schema-qualified name (`mlm.members`).
    public var name: String
    /// The stage file's columns, in the order `COPY` sends them.
    public var columns: [String]
    /// The primary key a delta run compares rows by (and restores prior images by).
    public var key: [String]
    /// The column holding the member's id, to fetch a companion table's rows for a batch of members.
    public var memberColumn: String
    public var scope: Scope
    /// A delta run may update rows of this table (keeping prior images, which rollback puts back).
    public var updatedByDelta: Bool = false
    /// A delta run inserts the rows of this table whose key the target lacks, and leaves the
    /// others as they are (commission history: a later export adds the next period), unless
    /// it is also ``updatedByDelta`` (a period closed since).
    public var appendedByDelta: Bool = false
    /// Counted in the report's delta table under this name.
    public var deltaName: String?
    public var bulkLoadForeignKeys: [ForeignKey] = []

    /// The table name without its schema (`members`).
    public var bareName: String { String(name.split(separator: ".").last ?? Substring(name)) }
}

/// What a run's mapping gives it, which decides the tables (``TargetTable/Scope``) it writes.
public struct RunContents: Sendable, Equatable {
    public var pii: Bool
    public var ledger: Bool
    public var commission: Bool

    public init(pii: Bool, ledger: Bool, commission: Bool = false) {
        self.pii = pii
        self.ledger = ledger
        self.commission = commission
    }

    public func includes(_ table: TargetTable) -> Bool { includes(table.scope) }

    public func includes(_ scope: TargetTable.Scope) -> Bool {
        switch scope {
        case .always: true
        case .pii: pii
        case .ledger: ledger
        case .commission: commission
        }
    }
}

/// One step of a load: stage files sent together in each batch (members with their id map),
/// into their tables, counted in the batch manifest as `entity` and `kind`.
public struct LoadStep: Sendable {
    public var files: [(file: StageFile, table: TargetTable)]
    public var entity: String
    /// `rows` or `quarantine`.
    public var kind: String
    /// Where ``LoadSummary`` counts the step's rows.
    public var summaryField: any WritableKeyPath<LoadSummary, Int?> & Sendable
    /// Which runs take the step, when not its first table's scope (the ledger's quarantine rows
    /// go to the quarantine every run has, but only a ledger run has them).
    public var scope: TargetTable.Scope?

    /// The key the batch manifests count the step's rows under.
    public var manifestKey: String { "\(entity)/\(kind)" }

    /// The runs that take the step: ``scope``, else its first table's.
    public var runScope: TargetTable.Scope { scope ?? files.first?.table.scope ?? .always }

    /// The step loads the wallet entries (the ledger's quarantine goes in a step of its own).
    public var loadsWalletEntries: Bool { files.first?.table == TargetTables.walletEntries }

    /// The members' transform writes the step's files (members, their quarantine and PII), not
    /// the ledger's or the commission's, which a `run` finishes while these load.
    public var fromMemberTransform: Bool { runScope == .always || runScope == .pii }
}
