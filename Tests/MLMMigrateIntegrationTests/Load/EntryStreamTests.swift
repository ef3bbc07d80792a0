import Foundation
import MLMMigrate
import Testing

/// A first load's wallet entries on parallel `COPY` streams (`--entry-streams N`, 2 by default):
/// the same rows, batch numbers, batch digests and report as one stream; a load paused or killed
/// inside the streams finishes with the same command; a resume with another batch size is refused.
@Suite struct EntryStreamTests {
    @Test func parallelStreamsLoadTheSameRowsAndBatchesAsOne() throws {
        let work = try TemporaryDirectory()
        _ = try LoaderTests.transformedSample(work)
        var tables: [String: String]?
        for streams in ["1", "2", "3"] {
            let target = try TestPostgres.freshDatabase("streams\(streams)")
            let load = try LoadCommand.run(work: work.path, target: target, batchSize: 30, extra: ["--entry-streams", streams])
            #expect(load.status == 0, "\(load.errorOutput)")
            let connection = try PostgresConnection(target)
            // Batch numbers run without a gap or a repeat, and the entries took several batches.
            #expect(try connection.scalar("SELECT count(*) = max(batch_no) FROM mlm_migration.batches") == "t")
            #expect(try Int(connection.scalar("SELECT count(*) FROM mlm_migration.batches WHERE entity = 'wallet_entries'") ?? "") ?? 0 > 4)
            // Each row carries the batch that loaded it, and the batch's manifest counts it.
            #expect(try connection.scalar("""
                SELECT count(*) FROM (SELECT batch_no, count(*) AS n FROM mlm.wallet_entries GROUP BY batch_no) e
                JOIN mlm_migration.batches b USING (batch_no) WHERE b.entity = 'wallet_entries' AND b.row_count = e.n
                """) == connection.scalar("SELECT count(*) FROM mlm_migration.batches WHERE entity = 'wallet_entries'"))
            let these = try ResumeTests.tables(target)
            if let tables { #expect(these == tables, "--entry-streams \(streams)") } else { tables = these }
        }
    }

    @Test func aLoadPausedOrKilledInsideTheStreamsFinishesWithTheSameCommand() throws {
        let work = try TemporaryDirectory()
        _ = try LoaderTests.transformedSample(work)
        let options = ["--entry-streams", "3"]
        let clean = try TestPostgres.freshDatabase("streamclean")
        let uninterrupted = try LoadCommand.run(work: work.path, target: clean, batchSize: 20, extra: ["--entry-streams", "1"])
        #expect(uninterrupted.status == 0, "\(uninterrupted.errorOutput)")
        let expected = try ResumeTests.tables(clean)
        let entriesFrom = try PostgresConnection(clean).scalar("SELECT min(batch_no) FROM mlm_migration.batches WHERE entity = 'wallet_entries'")
        let firstEntryBatch = Int(entriesFrom ?? "") ?? 0
        #expect(firstEntryBatch > 1)

        let target = try TestPostgres.freshDatabase("streamkilled")
        let connection = try PostgresConnection(target)
        func entryBatches() -> Int {
            Int((try? connection.scalar("SELECT count(*) FROM mlm_migration.batches WHERE entity = 'wallet_entries'")) ?? nil ?? "") ?? 0
        }
        // Paused inside the streams' step: two of its batches committed.
        let paused = try LoadCommand.run(work: work.path, target: target, batchSize: 20, extra: options + ["--max-batches", String(firstEntryBatch + 1)])
        #expect(paused.status == 0, "\(paused.errorOutput)")
        #expect(entryBatches() == 2)
        // Another batch size would number some batch twice: refused, nothing written.
        let resized = try LoadCommand.run(work: work.path, target: target, batchSize: 50, extra: options)
        #expect(resized.status == 2 && resized.errorOutput.contains("[target.layout_mismatch]"), "\(resized.errorOutput)")
        #expect(resized.errorOutput.contains("--batch-size 20"))
        #expect(entryBatches() == 2)
        // Paused again with another stream count: the batches not committed are shared out anew.
        let again = try LoadCommand.run(work: work.path, target: target, batchSize: 20, extra: ["--entry-streams", "2", "--max-batches", "3"])
        #expect(again.status == 0, "\(again.errorOutput)")
        #expect(entryBatches() == 5)
        // Killed (SIGKILL) as soon as one more entry batch has committed, three times over.
        let kills = try EntryPartitionTests.killLoadsInsideTheEntries(work: work.path, target: target, options: options, times: 3)
        #expect(kills == 3)
        let resumed = try LoadCommand.run(work: work.path, target: target, batchSize: 20, extra: options)
        #expect(resumed.status == 0, "\(resumed.errorOutput)")
        #expect(try ResumeTests.tables(target) == expected)
    }

    @Test func refusesAStreamCountOutsideItsRange() throws {
        let work = try TemporaryDirectory()
        for bad in ["0", "17"] {
            let refused = try LoadCommand.run(work: work.path, target: "dbname=unused", batchSize: 20, extra: ["--entry-streams", bad])
            #expect(refused.status != 0 && refused.errorOutput.contains("--entry-streams must be between 1 and 16"), "\(refused.errorOutput)")
        }
    }
}
