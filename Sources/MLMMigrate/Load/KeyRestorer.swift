import Logging

/// Adds back the bulk-load foreign keys of the tables a first load has finished, on its own
/// connection, while the load's next steps copy: the members' keys while their PII loads, the
/// wallets' while the entries load, the entries' while the commission state loads. Validating
/// a key scans its table and the one it references; no later step writes either (parents load
/// first, ``TargetTables/foreignKeysSettled(after:of:)``), so the `ALTER TABLE` waits on no lock
/// the load holds, and the load never waits on it.
///
/// The keys are added in the order given, one `ALTER TABLE` a table, one after the other.
/// ``finish()`` waits for the last and throws the first error (a row that breaks a key names
/// the key, as the load's own final restore would); the loader then adds whatever is still
/// missing itself, so a kill or an error here leaves nothing the next load does not redo.
final class KeyRestorer: @unchecked Sendable {
    private let connInfo: String
    private let logger: Logger
    /// The keys already handed over, by name.
    private var queued: Set<String> = []
    /// The last job; each waits for the one before it. Touched only by the loader's thread.
    private var last: BackgroundJob<Void>?

    init(connInfo: String, logger: Logger) {
        self.connInfo = connInfo
        self.logger = logger
    }

    /// Adds back those of `keys` not handed over before, after the keys handed over earlier.
    func restore(_ keys: [(table: String, key: TargetTable.ForeignKey)]) {
        let names = Set(keys.map(\.key.name)).subtracting(queued)
        guard !names.isEmpty else { return }
        queued.formUnion(names)
        let (previous, connInfo, logger) = (last, connInfo, logger)
        let tables = Set(keys.filter { names.contains($0.key.name) }.map(\.table)).sorted()
        last = BackgroundJob(name: "mlm-migrate.load.keys") { () throws(MigrationError) in
            try previous?.wait()
            let started = ContinuousClock.now
            let connection = try PostgresConnection(connInfo, logger: logger)
            try TargetSchema.restoreBulkLoadForeignKeys(on: connection, only: names)
            logger.info("foreign keys added back while the load goes on", metadata: [
                "tables": "\(tables.joined(separator: ", "))", "keys": "\(names.count)",
                "milliseconds": "\(StageTiming.milliseconds(since: started))",
            ])
        }
    }

    /// Waits for every key handed over; the first error of any.
    func finish() throws(MigrationError) {
        try last?.wait()
    }
}
