import Foundation
import MLMMigrate

/// Vendor 2's sample, transformed and loaded into a fresh database: where most integration
/// suites start. Keep `directory` alive while the pipeline is used (it deletes itself).
struct LoadedSample {
    let directory: TemporaryDirectory
    let pipeline: Pipeline
    let target: String

    /// Transforms the sample in a new work directory and loads it into a fresh database named after `database`.
    init(database: String) throws {
        directory = try TemporaryDirectory()
        pipeline = try LoaderTests.transformedSample(directory)
        target = try TestPostgres.freshDatabase(database)
        _ = try pipeline.load(target: target)
    }

    func connect() throws -> PostgresConnection { try PostgresConnection(target) }
}

extension Pipeline.Outcome {
    /// The names of the report's failed checks.
    var failedChecks: [String] { report.content.checks.filter { !$0.passed }.map(\.name) }
}

/// `mlm-migrate load` as an operator types it, optionally killed after `killAfter` seconds.
enum LoadCommand {
    static func run(work: String, target: String, batchSize: Int, extra: [String] = [], killAfter: Double? = nil) throws -> CommandRunner.Result {
        try CommandRunner.run(
            PackagePaths.executable("mlm-migrate"),
            ["load", "--work-dir", work, "--target", target, "--batch-size", String(batchSize)] + extra,
            separateErrors: true, killAfter: killAfter
        )
    }
}
