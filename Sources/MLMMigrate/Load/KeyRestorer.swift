import Logging

/// Adds back the bulk-load foreign keys of the tables a first load has finished, on connections
/// of its own, while the load's next steps copy: the members' keys while their PII loads, the
/// wallets' while the entries load, the entries' while the commission state loads. Validating
/// a key scans its table and the one it references; no later step writes either (parents load
/// first, ``TargetTables/foreignKeysSettled(after:of:)``), so the `ALTER TABLE` waits on no lock
/// the load holds, and the load never waits on it.
///
/// Each key is added by an `ALTER TABLE` of its own, on a connection of its own, once every key
/// handed over before it that shares a table with it (the one altered or the one referenced) is
/// in: the `ALTER TABLE`s take a lock on both tables that excludes another's, so no two wait on
/// each other; keys on other tables go in side by side. A table's keys on `mlm.members` go
/// first: every later table's keys reference the members, and may go in beside the rest of that
/// table's (the commission tables' beside the entries' key on their wallet, a scan of every
/// entry). ``finish()`` waits for all and throws the first error (a row that breaks a key names
/// the key, as the load's own final restore would; a key after a failed one it waited for is
/// not tried); the loader then adds whatever is still missing itself, so a kill or an error
/// here leaves nothing the next load does not redo.
final class KeyRestorer: @unchecked Sendable {
    private let connInfo: String
    private let logger: Logger
    /// The keys already handed over, by name.
    private var queued: Set<String> = []
    /// Every job, in the order handed over, with the tables its `ALTER TABLE` locks. Touched
    /// only by the loader's thread.
    private var jobs: [(tables: Set<String>, job: BackgroundJob<Void>)] = []

    init(connInfo: String, logger: Logger) {
        self.connInfo = connInfo
        self.logger = logger
    }

    /// Adds back those of `keys` not handed over before, each after the keys handed over
    /// earlier that share a table with it.
    func restore(_ keys: [(table: String, key: TargetTable.ForeignKey)]) {
        var fresh: [(table: String, key: TargetTable.ForeignKey)] = []
        for key in keys where !queued.contains(key.key.name) {
            queued.insert(key.key.name)
            fresh.append(key)
        }
        let members = TargetTables.members.name
        let ordered = fresh.filter { $0.key.referencedTable == members } + fresh.filter { $0.key.referencedTable != members }
        for (table, key) in ordered {
            let tables: Set = [table, key.referencedTable]
            let before = jobs.filter { !$0.tables.isDisjoint(with: tables) }.map(\.job)
            let (connInfo, logger, name) = (connInfo, logger, key.name)
            let job = BackgroundJob(name: "mlm-migrate.load.keys") { () throws(MigrationError) in
                for earlier in before { try earlier.wait() }
                let started = ContinuousClock.now
                do throws(MigrationError) {
                    let connection = try PostgresConnection(connInfo, logger: logger)
                    try TargetSchema.restoreBulkLoadForeignKeys(on: connection, only: [name])
                } catch {
                    // Each failure is logged once, here: the keys that waited for this one rethrow it.
                    logger.error("a foreign key could not be added back", metadata: ["key": "\(name)", "error": "\(error)"])
                    throw error
                }
                logger.info("foreign keys added back while the load goes on", metadata: [
                    "tables": "\(table)", "keys": "1", "key": "\(name)",
                    "milliseconds": "\(StageTiming.milliseconds(since: started))",
                ])
            }
            jobs.append((tables, job))
        }
    }

    /// Waits for every key handed over; the first error of any, in the order handed over.
    func finish() throws(MigrationError) {
        var first: MigrationError?
        for (_, job) in jobs {
            do throws(MigrationError) {
                try job.wait()
            } catch {
                if first == nil { first = error }
            }
        }
        if let first { throw first }
    }
}
