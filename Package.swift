// swift-tools-version:6.1
import PackageDescription

// Layering (DESIGN.md): TinyFS <- OpLog <- Pond <- PondCLI. TinyFS knows nothing
// of SQLite; OpLog is TinyFS's persistence layer on SQLite; Pond is what users
// import and the one API the CLI uses. Benchmarks/ is a package of its own.
let package = Package(
    name: "Pond",
    products: [
        .library(name: "Pond", targets: ["Pond"]),
        .library(name: "TinyFS", targets: ["TinyFS"]),
        .library(name: "Tabular", targets: ["Tabular"]),
        .executable(name: "pond", targets: ["PondCLI"]),
        .executable(name: "pond-remote", targets: ["PondRemoteCLI"]),
        .executable(name: "pond-serve", targets: ["PondServeCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // The one copy of the SQL. `.embedInCode` compiles each file into the
        // binary as `PackageResources.<name>`, so nothing is looked up at run time.
        .target(
            name: "Schema",
            path: "Schema",
            exclude: [],
            resources: [
                .embedInCode("v1_log.sql"),
                .embedInCode("v2_content.sql"),
                .embedInCode("v3_chain.sql"),
                .embedInCode("v4_prune.sql"),
                .embedInCode("v5_message.sql"),
                .embedInCode("v6_tables.sql"),
                .embedInCode("v7_indexes.sql"),
                .embedInCode("v8_remotes.sql"),
                .embedInCode("v9_collect.sql"),
                .embedInCode("v10_lazy.sql"),
                .embedInCode("remote_segment.sql"),
                .embedInCode("views.sql"),
            ]
        ),
        .target(name: "TinyFS"),
        // The codecs of Parquet pages and compressed text, from Debian's -dev
        // packages (libzstd-dev, libsnappy-dev, zlib1g-dev, liblz4-dev, libbrotli-dev).
        .systemLibrary(name: "CCodecs", path: "Sources/CCodecs"),
        // Tabular files (CSV, TSV, JSON Lines, Parquet, compressed text) as rows: no SQLite, no pond.
        .target(name: "Tabular", dependencies: ["CCodecs"]),
        // sqlite3_db_config is variadic and cannot be called from Swift.
        .target(name: "CSQLiteShim", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(
            name: "OpLog",
            dependencies: [
                "TinyFS", "Tabular", "Schema", "CSQLiteShim",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The data in the files as SQL: the virtual tables queries read tabular
        // files through, on OpLog (the bytes at a version) and Tabular (formats).
        .target(
            name: "Tables",
            dependencies: ["TinyFS", "OpLog", "Tabular", .product(name: "GRDBSQLite", package: "GRDB.swift")]
        ),
        // Remotes: the object layout, push, pull, clone, verify; the ObjectStore
        // protocol and file://. No HTTP here: S3 plugs in from its own module.
        .target(name: "Remote", dependencies: ["OpLog", .product(name: "Crypto", package: "swift-crypto")]),
        // Resources from YAML (`pond apply`) and collectors (`pond run`): what
        // a document asks for, the plan that makes it so, and the runs.
        .target(
            name: "Collect",
            dependencies: ["TinyFS", "OpLog", "Tabular", "Remote", .product(name: "Yams", package: "Yams"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Pages of a pond at a version (tree, files, history, diff, charts as SVG)
        // and the site config: what `pond site build` writes and `pond serve`
        // serves. No HTTP here; it reads the pond through `SiteSource` (OpLog's value types).
        .target(
            name: "Site",
            dependencies: ["OpLog", "Tabular", .product(name: "Yams", package: "Yams"), .product(name: "Ink", package: "Ink")]
        ),
        .target(name: "Pond", dependencies: ["TinyFS", "OpLog", "Tables", "Remote", "Collect", "Site", .product(name: "Crypto", package: "swift-crypto")]),
        // s3:// over async-http-client, with its own AWS Signature V4. Linked only
        // into `pond-remote`, so no other command pays for the HTTP stack.
        .target(
            name: "S3",
            dependencies: [
                "Remote", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The `pond` executable: one file per command, no filesystem logic.
        .executableTarget(
            name: "PondCLI",
            dependencies: ["Pond", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            // The release build's link order (README, "Two commands"), not a source.
            exclude: ["link-order.txt"]
        ),
        // `pond-remote`: what `pond push|pull|clone|verify` run (as git runs
        // git-remote-https): Pond, plus the S3 store it hands to Pond.
        .executableTarget(
            name: "PondRemoteCLI",
            dependencies: ["Pond", "S3"]
        ),
        // `pond-serve`: what `pond serve` runs: the site's pages live, over
        // Hummingbird, which no other command links.
        .executableTarget(
            name: "PondServeCLI",
            dependencies: ["Pond", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOPosix", package: "swift-nio")]
        ),
        .testTarget(name: "TinyFSTests", dependencies: ["TinyFS"]),
        .testTarget(name: "SiteTests", dependencies: ["Site", "OpLog", "Tabular"]),
        .testTarget(name: "TabularTests", dependencies: ["Tabular", "CCodecs"]),
        .testTarget(name: "S3Tests", dependencies: ["S3", "Remote"]),
        .testTarget(name: "CollectTests", dependencies: ["Collect", "Pond", "TinyFS"]),
        .testTarget(
            name: "RemoteTests",
            // The executables too: the auto-push cases run the built `pond`.
            dependencies: ["Pond", "S3", "Remote", "PondCLI", "PondRemoteCLI", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "OpLogTests",
            dependencies: ["OpLog", "TinyFS", "Schema", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "PondCLITests",
            dependencies: ["PondCLI", "PondRemoteCLI", "PondServeCLI", "Tabular", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "PondTests",
            dependencies: ["Pond", "OpLog", "Tables", "Tabular", "TinyFS", "Schema", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
