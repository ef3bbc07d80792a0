// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "mlm-migrate",
    products: [
        .executable(name: "mlm-migrate", targets: ["mlm-migrate"]),
        .executable(name: "mlm-samples", targets: ["mlm-samples"]),
        .library(name: "MLMMigrate", targets: ["MLMMigrate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // AES-GCM with a kept key schedule (AESGCMContext); swift-crypto keeps its own BoringSSL.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Linux calls the Glibc module leaves out (sync_file_range, for stage files written behind).
        .systemLibrary(name: "CLinux"),
        .target(
            name: "MLMMigrate",
            dependencies: [
                "CLibPQ",
                "CSQLite",
                "COpenSSL",
                "CLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            // Release builds skip the runtime exclusivity checks (about 5% of a 1M run's CPU in
            // swift_beginAccess and its thread-local access set, docs/performance.md); the
            // compile-time checks stay, and debug builds, which every test runs, keep both.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .executableTarget(
            name: "mlm-migrate",
            dependencies: [
                "MLMMigrate",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "mlm-samples",
            dependencies: [
                "MLMMigrate",
                "CSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Fixtures both test targets share: temporary directories and paths in the checkout.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // Unit tests: no database, no built executable; seconds (`swift test --filter MLMMigrateTests`).
        .testTarget(
            name: "MLMMigrateTests",
            dependencies: ["MLMMigrate", "CSQLite", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        // Integration and end-to-end tests: a real PostgreSQL and the built mlm-migrate.
        .testTarget(
            name: "MLMMigrateIntegrationTests",
            dependencies: ["MLMMigrate", "CSQLite", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ]
}
