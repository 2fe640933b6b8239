// swift-tools-version:6.1
import PackageDescription

// Ferry: a batching and scheduling gateway for model inference.
// One module per concept; processes are thin executables over libraries.
// Every target compiles in the Swift 6 language mode (this tools version's
// default): data races between libuv callbacks, NIO and tasks are compile errors.

let package = Package(
    name: "Ferry",
    // macOS 15: grpc-swift 2 marks its types available from macOS 15.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "supervisor", targets: ["SupervisorMain"]),
        .executable(name: "ingress", targets: ["IngressMain"]),
        .executable(name: "scheduler", targets: ["SchedulerMain"]),
        .executable(name: "worker", targets: ["WorkerMain"]),
        .executable(name: "streamer", targets: ["StreamIngressMain"]),
        // Built-in strategies: each is a plugin named lib<name>.so.
        .library(name: "fifo", type: .dynamic, targets: ["FIFOStrategy"]),
        .library(name: "batch", type: .dynamic, targets: ["BatchStrategy"]),
        .library(name: "timed", type: .dynamic, targets: ["TimedStrategy"]),
        .library(name: "sjf", type: .dynamic, targets: ["SJFStrategy"]),
        .library(name: "priority", type: .dynamic, targets: ["PriorityStrategy"]),
        .library(name: "fair", type: .dynamic, targets: ["FairStrategy"]),
        .library(name: "edf", type: .dynamic, targets: ["EDFStrategy"]),
        .library(name: "optimal", type: .dynamic, targets: ["OptimalStrategy"]),
        .library(name: "StrategySDK", targets: ["StrategySDK"]),
        .executable(name: "bench", targets: ["Bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        // MARK: Foundations
        .systemLibrary(
            name: "CLibUV",
            path: "Sources/CLibUV",
            pkgConfig: "libuv",
            providers: [.apt(["libuv1-dev"])]
        ),
        .target(name: "LibUV", dependencies: ["CLibUV"]),
        // Redis through hiredis (Debian's libhiredis-dev) on a libuv loop: the
        // C shim compiles hiredis' libuv adapter; Redis is the Swift face.
        .target(name: "CRedis", dependencies: ["CLibUV"], linkerSettings: [.linkedLibrary("hiredis")]),
        .target(name: "Redis", dependencies: ["CRedis", "LibUV"]),
        .target(name: "Wire"),
        .target(name: "CostModel"),
        // The Open Inference Protocol's data model and HTTP/JSON form (pure).
        .target(name: "OpenInference"),
        // Its gRPC form and grpc.health.v1: generated code, committed (see its generate.sh),
        // and the conversions to OpenInference's types.
        .target(name: "InferenceProtocol", dependencies: [
            "OpenInference",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], exclude: ["Protos", "generate.sh", "README.md"]),
        .target(name: "StrategyTypes", dependencies: ["StrategyABI"]),
        .target(name: "FerryLog", dependencies: [
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "FerryConfig", dependencies: [
            "FerryLog",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ], exclude: ["ferry.example.toml"]),
        // The link layer: what a process's logic needs (no I/O), the libuv
        // transport under it, and an in-memory one for unit tests.
        .target(name: "Link", dependencies: ["Wire", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "LinkUV", dependencies: ["Link", "Wire", "LibUV", .product(name: "Logging", package: "swift-log")]),
        .target(name: "LinkEmbedded", dependencies: ["Link", "Wire"]),
        .target(name: "LoopExecutor", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .target(name: "LinkNIO", dependencies: [
            "Link", "Wire", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .target(name: "StrategyABI", path: "Sources/StrategyABI"),
        .target(name: "Scheduling", dependencies: [
            "CostModel", "StrategyTypes", "StrategySDK", "StrategyABI",
            .product(name: "HeapModule", package: "swift-collections"),
            .product(name: "DequeModule", package: "swift-collections"),
        ]),
        .target(name: "StrategyHost", dependencies: ["StrategyABI", "StrategyTypes", "Scheduling"]),
        // The seed's model: its labels (the simulated backend's and the bench's rule).
        .target(name: "SeedModel"),
        .target(name: "Simulation", dependencies: [
            "Scheduling", "CostModel", .product(name: "HeapModule", package: "swift-collections"),
        ]),
        .target(name: "StrategySDK", dependencies: [
            "StrategyABI", "StrategyTypes", .product(name: "DequeModule", package: "swift-collections"),
        ]),

        // MARK: Processes, as libraries
        .target(name: "Worker", dependencies: [
            "LibUV", "Wire", "Link", "LinkUV", "LoopExecutor", "FerryConfig", "CostModel", "SeedModel", "OpenInference", "InferenceProtocol",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .target(name: "Scheduler", dependencies: [
            "Wire", "Link", "Scheduling", "StrategyHost", "FerryConfig", "CostModel",
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .target(name: "Ingress", dependencies: [
            "Wire", "Link", "LinkNIO", "LoopExecutor", "FerryLog", "FerryConfig", "OpenInference", "InferenceProtocol", "CostModel",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .target(name: "StreamIngress", dependencies: [
            "Redis", "LibUV", "Wire", "Link", "FerryConfig", "CostModel", .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .target(name: "Supervisor", dependencies: [
            "LibUV", "Wire", "Link", "LinkUV", "FerryConfig", "FerryLog",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),

        // MARK: Thin executables
        .executableTarget(name: "SupervisorMain", dependencies: [
            "Supervisor", "LibUV", "StrategyHost", "FerryConfig", "FerryLog", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "IngressMain", dependencies: [
            "Ingress", "LibUV", "FerryLog", "FerryConfig", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "SchedulerMain", dependencies: [
            "Scheduler", "Scheduling", "StrategyHost", "StrategySDK", "LibUV", "LinkUV", "FerryLog", "FerryConfig", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "WorkerMain", dependencies: [
            "Worker", "LibUV", "LinkUV", "FerryLog", "FerryConfig", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "StreamIngressMain", dependencies: [
            "StreamIngress", "LibUV", "LinkUV", "FerryLog", "FerryConfig", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: The bench
        .target(name: "BenchKit", dependencies: [
            "Simulation", "Scheduling", "StrategyHost", "CostModel", "SeedModel", "OpenInference", "InferenceProtocol",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "HeapModule", package: "swift-collections"),
        ], path: "Benchmarks/BenchKit"),
        .executableTarget(name: "Bench", dependencies: [
            "BenchKit", "CostModel", "SeedModel", "StrategyHost", "InferenceProtocol", "OpenInference",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
        ], path: "Benchmarks/bench"),

        // MARK: Strategy plugins (one folder each)
        .target(name: "FIFOStrategy", dependencies: ["StrategySDK"], path: "Plugins/FIFO"),
        .target(name: "BatchStrategy", dependencies: ["StrategySDK"], path: "Plugins/Batch"),
        .target(name: "TimedStrategy", dependencies: ["StrategySDK"], path: "Plugins/Timed"),
        .target(name: "SJFStrategy", dependencies: ["StrategySDK"], path: "Plugins/SJF"),
        .target(name: "PriorityStrategy", dependencies: ["StrategySDK"], path: "Plugins/Priority"),
        .target(name: "FairStrategy", dependencies: ["StrategySDK"], path: "Plugins/Fair"),
        .target(name: "EDFStrategy", dependencies: ["StrategySDK"], path: "Plugins/EDF"),
        .target(name: "OptimalStrategy", dependencies: ["StrategySDK"], path: "Plugins/Optimal"),

        // MARK: Tests
        .testTarget(name: "WireTests", dependencies: ["Wire"]),
        .testTarget(name: "OpenInferenceTests", dependencies: ["OpenInference"]),
        .testTarget(name: "FerryConfigTests", dependencies: ["FerryConfig", "FerryLog"]),
        .testTarget(name: "SchedulingTests", dependencies: ["Scheduling", "StrategySDK", "CostModel"]),
        .testTarget(name: "CostModelTests", dependencies: ["CostModel"]),
        .testTarget(name: "SchedulerTests", dependencies: [
            "Scheduler", "Scheduling", "StrategySDK", "CostModel", "Link", "LinkEmbedded", "Wire", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "WorkerTests", dependencies: [
            "Worker", "SeedModel", "Link", "LinkEmbedded", "LibUV", "Wire", "OpenInference", "TestSupport", .product(name: "GRPCCore", package: "grpc-swift-2"), .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "LinkTests", dependencies: [
            "Link", "LinkEmbedded", "LinkUV", "LinkNIO", "LibUV", "Wire", .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "SupervisorTests", dependencies: ["Supervisor"]),
        .testTarget(name: "LibUVTests", dependencies: ["LibUV"]),
        .testTarget(name: "RedisTests", dependencies: ["Redis", "LibUV", "TestSupport"]),
        .testTarget(name: "StrategyHostTests", dependencies: ["StrategyHost", "Scheduling", "StrategySDK", "Simulation", "CostModel", "TestSupport"]),
        .target(name: "TestSupport", dependencies: [
            "StrategyHost", "BenchKit", "OpenInference", "Redis", "LibUV",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], path: "Tests/TestSupport", exclude: ["Fixtures"]),
        .testTarget(name: "BenchTests", dependencies: ["BenchKit", "CostModel", "Simulation", "Scheduling", "StrategySDK", "TestSupport"]),
        .testTarget(name: "IngressTests", dependencies: ["Ingress"]),
        .testTarget(name: "IntegrationTests", dependencies: [
            "TestSupport", "Wire", "Redis", "FerryConfig", "CostModel",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
    ]
)
