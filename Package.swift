// swift-tools-version:6.1
import PackageDescription

/// Settings every target shares (see ../shared/DESIGN.md, conventions 1).
let sharedSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The numeric kernels run 10-50x slower unoptimized, so they are always optimized,
/// even in debug builds. Bounds checks are off inside them: their callers validate shapes.
let kernelSettings: [SwiftSetting] = sharedSettings + [
    .unsafeFlags(["-Ounchecked"]),
]

/// The AVX2 kernels see the x86 intrinsics; they only run after a CPU-feature check.
let avx2Settings: [SwiftSetting] = kernelSettings + [
    .unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c"]),
]

/// The AVX-512 kernels see the AVX-512 and VNNI intrinsics as well; they only run after a check of
/// CPUID and XCR0 (`KernelBackend.avx512`). Nothing else may be built with these flags.
let avx512Settings: [SwiftSetting] = avx2Settings + [
    .unsafeFlags([
        "-Xcc", "-mavx512f", "-Xcc", "-mavx512bw", "-Xcc", "-mavx512vl", "-Xcc", "-mavx512dq", "-Xcc", "-mavx512vnni",
    ]),
]

let package = Package(
    name: "switchyard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "switchyard", targets: ["switchyard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .target(name: "OpenAIWire", swiftSettings: sharedSettings),
        .target(name: "GGUF", swiftSettings: sharedSettings),
        // Header-only C helpers the kernels need and Swift lacks (software prefetch).
        .target(name: "KernelsShim"),
        .target(name: "KernelsAVX2", dependencies: ["KernelsShim"], swiftSettings: avx2Settings),
        .target(name: "KernelsAVX512", dependencies: ["KernelsShim", "KernelsAVX2"], swiftSettings: avx512Settings),
        .target(name: "Kernels", dependencies: ["KernelsAVX2", "KernelsAVX512"], swiftSettings: kernelSettings),
        .target(name: "Tokenization", dependencies: ["GGUF"], swiftSettings: sharedSettings),
        .target(name: "Templating", swiftSettings: sharedSettings),
        // Sentence embeddings (BERT over safetensors): its loops run per token and element, so
        // it is optimized even in debug builds, as the kernels are.
        .target(name: "Embeddings", dependencies: ["GGUF", "Kernels"], swiftSettings: sharedSettings + [.unsafeFlags(["-O"])]),
        // Mask computation runs once per decoded token: optimized even in debug builds.
        .target(name: "ConstrainedDecoding", dependencies: ["OpenAIWire"], swiftSettings: sharedSettings + [.unsafeFlags(["-O"])]),
        .target(
            name: "Engine",
            dependencies: [
                "GGUF", "Kernels", "Tokenization", "Templating", "ConstrainedDecoding", "OpenAIWire",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: sharedSettings
        ),
        .target(
            name: "ModelStore",
            dependencies: [
                "GGUF",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: sharedSettings
        ),
        .target(
            name: "Fleet",
            dependencies: [
                "Engine", "OpenAIWire", "Tokenization", "ConstrainedDecoding", "ModelStore", "Embeddings", "Kernels",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: sharedSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "Fleet", "OpenAIWire", "Engine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: sharedSettings
        ),
        .target(
            name: "Cutover",
            dependencies: [
                "OpenAIWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: sharedSettings
        ),
        .executableTarget(
            name: "switchyard",
            dependencies: [
                "Engine", "GGUF", "Kernels", "Tokenization", "ModelStore", "OpenAIWire", "Fleet", "Server", "Cutover",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: sharedSettings
        ),
        .target(name: "TestSupport", path: "Tests/Support", swiftSettings: sharedSettings),
        .testTarget(name: "OpenAIWireTests", dependencies: ["TestSupport", "OpenAIWire"], swiftSettings: sharedSettings),
        .testTarget(name: "GGUFTests", dependencies: ["TestSupport", "GGUF"], swiftSettings: sharedSettings),
        .testTarget(name: "KernelsTests", dependencies: ["TestSupport", "Kernels"], exclude: ["Fixtures"], swiftSettings: sharedSettings),
        .testTarget(
            name: "EmbeddingsTests", dependencies: ["TestSupport", "Embeddings", "Kernels"], exclude: ["Fixtures"],
            swiftSettings: sharedSettings
        ),
        .testTarget(name: "TokenizationTests", dependencies: ["TestSupport", "Tokenization", "GGUF"], swiftSettings: sharedSettings),
        .testTarget(
            name: "TemplatingTests", dependencies: ["TestSupport", "Templating", "GGUF"],
            exclude: ["Templates", "render_reference.py"], swiftSettings: sharedSettings
        ),
        .testTarget(name: "ConstrainedDecodingTests", dependencies: ["TestSupport", "ConstrainedDecoding", "OpenAIWire", "GGUF"], exclude: ["validate_outputs.py"], swiftSettings: sharedSettings),
        .testTarget(
            name: "ModelStoreTests",
            dependencies: [
                "TestSupport", "ModelStore", "GGUF",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: sharedSettings
        ),
        .testTarget(name: "CutoverTests", dependencies: ["TestSupport", "Cutover", "OpenAIWire"], exclude: ["Fixtures"], swiftSettings: sharedSettings),
        .testTarget(name: "EngineTests", dependencies: ["TestSupport", "Engine", "GGUF", "Tokenization", "OpenAIWire", "ConstrainedDecoding"], swiftSettings: sharedSettings),
        .testTarget(
            name: "FleetTests",
            dependencies: [
                "TestSupport", "Fleet", "OpenAIWire", "Engine",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: sharedSettings
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "TestSupport", "Server", "Fleet", "OpenAIWire", "Engine", "ConstrainedDecoding",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: sharedSettings
        ),
    ]
)
