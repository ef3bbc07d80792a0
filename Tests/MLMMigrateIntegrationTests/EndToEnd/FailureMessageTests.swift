import Foundation
import MLMMigrate
import Testing

@Suite struct FailureMessageTests {
    private func run(_ arguments: [String]) throws -> ToolRun {
        try ToolRun.run("mlm-migrate", arguments)
    }

    private let vendor = "vendor1-binaryplan"

    @Test func stopsWithOneLineWhenTheSourceIsMissing() throws {
        let work = try TemporaryDirectory()
        let result = try run(["run", "--source", "/nonexistent/export", "--mapping", PackagePaths.mapping(vendor), "--work-dir", work.path, "--target", "host=/nonexistent"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("source /nonexistent/export does not exist [source.missing]"))
    }

    @Test func stopsWhenTheSourceFileCannotBeRead() throws {
        let work = try TemporaryDirectory()
        let source = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(source.path)/members.csv", withIntermediateDirectories: true)
        let result = try run(["extract", "--source", source.path, "--mapping", PackagePaths.mapping(vendor), "--work-dir", work.path, "--kek-file", TestKeys.kekFile])
        #expect(result.status == 2)
        #expect(result.stderr.contains("[source.unreadable]"))
    }

    @Test func listsEveryMappingErrorAndRefusesToRun() throws {
        let work = try TemporaryDirectory()
        let mapping = try work.write("bad.yaml", "version: 1\nvendor: x\nentities:\n  members:\n    source: { format: csv, encoding: klingon }\n    columns: { username: { from: u } }\n    genealogy: { orphan_policy: maybe }\n")
        let validate = try run(["validate-mapping", mapping])
        #expect(validate.status == 2)
        #expect(validate.stdout.contains("entities.members.source.encoding"))
        #expect(validate.stdout.contains("entities.members.genealogy.orphan_policy"))
        #expect(validate.stdout.contains("entities.members.columns.legacy_id"))
        let result = try run(["run", "--source", PackagePaths.sample(vendor), "--mapping", mapping, "--work-dir", work.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("[mapping.invalid]"))
    }

    @Test func stopsWhenTheDatabaseIsUnreachable() throws {
        let work = try TemporaryDirectory()
        let result = try run(["run", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--work-dir", work.path, "--target", "host=/nonexistent-dir port=5 dbname=x", "--kek-file", TestKeys.kekFile])
        #expect(result.status == 2)
        #expect(result.stderr.contains("[target.unreachable]"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func refusesToExtractPIIWithoutAKeyAndWritesNothing() throws {
        let work = try TemporaryDirectory()
        var environment = ToolRun.environmentWithoutLibpq
        environment[KeyEncryptionKey.environmentVariable] = nil
        let result = try ToolRun.run("mlm-migrate", ["extract", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--work-dir", work.path], environment: environment)
        #expect(result.status == 2)
        #expect(result.stderr.contains("give --kek-file or set MLM_MIGRATE_KEK [keys.kek_missing]"))
        #expect(!FileManager.default.fileExists(atPath: "\(work.path)/extract/members.tsv"))
    }

    @Test func refusesAKeyFileOthersCanReadAndAKeyInTheEnvironmentThatIsDamaged() throws {
        let work = try TemporaryDirectory()
        let exposed = TestKeys.newKEKFile("exposed")
        chmod(exposed, 0o640)
        let result = try run(["extract", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--work-dir", work.path, "--kek-file", exposed])
        #expect(result.status == 2)
        #expect(result.stderr.contains("[keys.kek_exposed]"))
        var environment = ToolRun.environmentWithoutLibpq
        environment[KeyEncryptionKey.environmentVariable] = "mlm-kek-v1 kek-0000000000000000 AAAA"
        let damaged = try ToolRun.run("mlm-migrate", ["extract", "--source", PackagePaths.sample(vendor), "--mapping", PackagePaths.mapping(vendor), "--work-dir", work.path], environment: environment)
        #expect(damaged.status == 2)
        #expect(damaged.stderr.contains("the MLM_MIGRATE_KEK environment variable is not an mlm-migrate key"))
        #expect(!damaged.stderr.contains("AAAA"))
    }

    @Test func namesPIIMappingMistakes() throws {
        let work = try TemporaryDirectory()
        let mapping = try work.write("pii.yaml", """
            version: 1
            vendor: x
            entities:
              members:
                source: { format: csv }
                columns:
                  legacy_id: { from: id }
                  joined_at: { from: j, format: epoch }
                  status: { from: s }
                  passport: { from: p, pii: true }
                  phone: { from: m, pii: true, identity: email }
                  tax_id: { from: t, pii: true, type: timestamp }
            """)
        let validate = try run(["validate-mapping", mapping])
        #expect(validate.status == 2)
        #expect(validate.stdout.contains("entities.members.columns.passport"))
        #expect(validate.stdout.contains("unknown PII field"))
        #expect(validate.stdout.contains("entities.members.columns.phone.identity"))
        #expect(validate.stdout.contains("entities.members.columns.tax_id.type"))
    }

    @Test func refusesStagesRunOutOfOrder() throws {
        let work = try TemporaryDirectory()
        let result = try run(["transform", "--work-dir", work.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("[workdir.no_manifest]"))
    }
}
