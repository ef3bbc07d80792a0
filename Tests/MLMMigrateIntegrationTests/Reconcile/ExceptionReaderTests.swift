import Foundation
import MLMMigrate
import Testing

/// The exceptions register streamed out of PostgreSQL: occurrences numbered by the database
/// exactly as docs/exceptions.md re-derives them (the n-th row, in register order, whose identity
/// fields are equal byte for byte), and the same rows with or without a file.
@Suite struct ExceptionReaderTests {
    /// docs/exceptions.md's rule, applied to the rows as listed: identity fields as UTF-8 bytes.
    private static func documentedOccurrences(_ entries: [ExceptionEntry]) -> [Int] {
        var seen: [[[UInt8]]: Int] = [:]
        return entries.map { entry in
            let key = entry.identityFields.dropLast().map { Array($0.utf8) }
            seen[key, default: 0] += 1
            return seen[key] ?? 0
        }
    }

    @Test func occurrencesAreNumberedInRegisterOrderAmongByteEqualIdentities() throws {
        let sample = try LoadedSample(database: "exreader")
        let connection = try sample.connect()
        // Added after the sample's own rows: one legacy id quarantined four times for one reason
        // (and once for another), two findings on one line without a legacy id, and two legacy ids
        // that are canonically equivalent but not the same bytes (é composed and decomposed).
        try connection.execute("""
            INSERT INTO mlm_migration.quarantine (run_id, batch_no, entity, source, line, legacy_id, reason, column_name, detail)
            VALUES (1, 1, 'zz_test', 'extra.csv', 30, 'DUP-1', 'cleanse.invalid_date', 'joined', 'x'),
                   (1, 1, 'zz_test', 'extra.csv', 10, 'DUP-1', 'cleanse.invalid_date', 'joined', 'x'),
                   (1, 1, 'zz_test', 'extra.csv', 20, 'DUP-1', 'cleanse.missing_required', 'username', 'x'),
                   (1, 1, 'zz_test', 'extra.csv', 40, NULL, 'cleanse.missing_required', 'user_id', 'x'),
                   (1, 1, 'zz_test', 'extra.csv', 40, '', 'cleanse.missing_required', 'username', 'x'),
                   (1, 1, 'zz_test', 'extra.csv', 41, NULL, 'cleanse.missing_required', 'user_id', 'x'),
                   (1, 1, 'zz_test', 'extra.csv', 50, U&'caf\\00e9', 'cleanse.invalid_date', 'joined', 'x'),
                   (1, 1, 'zz_test', 'extra.csv', 51, U&'cafe\\0301', 'cleanse.invalid_date', 'joined', 'x'),
                   (1, 1, 'zz_test', 'extra.csv', 52, U&'caf\\00e9', 'cleanse.invalid_date', 'joined', 'x'),
                   (1, 1, 'zz_test', 'extra.csv', 100, 'DUP-1', 'cleanse.invalid_date', 'joined', 'x'),
                   (1, 1, 'zz_test', 'extra.csv', 9, 'DUP-1', 'cleanse.invalid_date', 'joined', 'x')
            """)
        var entries: [ExceptionEntry] = []
        try ExceptionReader(connection: connection).forEach(runID: 1) { entries.append($0) }
        let added = entries.filter { $0.entity == "zz_test" }
        // Lines are compared as text: 100 after 10, 9 last.
        #expect(added.map(\.line) == ["10", "100", "20", "30", "40", "40", "41", "50", "51", "52", "9"])
        #expect(added.map(\.occurrence) == [1, 2, 1, 3, 1, 2, 1, 1, 1, 2, 4])
        #expect(entries.map(\.occurrence) == Self.documentedOccurrences(entries))
        #expect(Set(entries.map(\.id)).count == entries.count)
        let quarantined = try connection.scalar("SELECT count(*) FROM mlm_migration.quarantine WHERE run_id = 1")
        #expect(String(entries.filter { $0.kind == .quarantine }.count) == quarantined)

        // The file lists the same rows in the same order; counting alone gives the same figures.
        let path = "\(sample.directory.path)/register.csv"
        let reader = ExceptionReader(connection: connection)
        let figures = try ExceptionsCSV.write(to: path, runID: 1, decisions: try reader.decisions()) { each throws(MigrationError) in
            try reader.forEach(runID: 1, each)
        }
        let counted = try ExceptionsCSV.write(to: nil, runID: 1, decisions: try reader.decisions()) { each throws(MigrationError) in
            try reader.forEach(runID: 1, each)
        }
        #expect(figures == counted && figures.total == entries.count)
        let ids = try ExceptionsSignOffTests.rows(path).map { $0["exception_id"] ?? "" }
        #expect(ids == entries.map(\.id))
    }

    @Test func refusesARunThatNeverLoaded() throws {
        let sample = try LoadedSample(database: "exreadernorun")
        let reader = ExceptionReader(connection: try sample.connect())
        let error = #expect(throws: MigrationError.self) { try reader.forEach(runID: 9) { _ in } }
        #expect(error?.code == ErrorCode.exceptionsNoRun.rawValue)
        #expect(error?.message.contains("has no loaded run 9") == true)
    }
}
