// swift-tools-version:6.1
// Pond's benchmarks, a package of their own (as swift-nio's Benchmarks/ is):
// `swift build` and `swift test` of Pond never build them.
//
//   swift run -c release --package-path Benchmarks pond-microbench
//   Benchmarks/startup.sh
import Foundation
import PackageDescription

// Pond is the package in the folder above; a package on disk is known by
// its folder's name, which is whatever the checkout is called.
let pondFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let pond = pondFolder.lastPathComponent.lowercased()

let package = Package(
    name: "PondBenchmarks",
    dependencies: [
        .package(path: pondFolder.path),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Measured against Pond's own reader (CSVParsers/main.swift), not used by Pond.
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
    ],
    targets: [
        // Pond's CSV reader against the CSV libraries on the package mirror: speed and correctness.
        .executableTarget(
            name: "pond-csv-parsers",
            dependencies: [
                .product(name: "Tabular", package: pond),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                .product(name: "CSV", package: "CSV.swift"),
            ],
            path: "CSVParsers"
        ),
        // Microbenchmarks of the hot paths, in process (Micro/main.swift).
        .executableTarget(name: "pond-microbench", dependencies: [.product(name: "Pond", package: pond)], path: "Micro"),
        // The floor under a `pond` command's start (startup.sh).
        .executableTarget(
            name: "pond-startup",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Startup"
        ),
    ],
    swiftLanguageModes: [.v6]
)
