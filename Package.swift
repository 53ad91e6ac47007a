// swift-tools-version:6.0
import PackageDescription

// No package dependencies, by design: a tiny, fast-building binary any editor can ship.
let package = Package(
    name: "aitoearn-rpc",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "aitoearn-rpc", targets: ["aitoearn-rpc"]),
        // On Linux the binary loads this library on its first HTTP request (it must sit next to
        // the binary): FoundationNetworking and libcurl would otherwise slow every start.
        .library(name: "AiToEarnNetworking", type: .dynamic, targets: ["AiToEarnNetworking"]),
    ],
    targets: [
        // A JSON value with exact round-trip, its parser and serializer.
        .target(name: "JSONValue"),
        // Logging, wire tracing and secret redaction, shared by the engine and the core.
        .target(name: "Diagnostics", dependencies: ["JSONValue"]),
        // The JSON-RPC 2.0 engine: framing, dispatch, lifecycle, stdio. Knows nothing of AiToEarn.
        .target(name: "JSONRPC", dependencies: ["JSONValue", "Diagnostics"]),
        // The AiToEarn core: config, HTTP, retries, polling, validation, simulator. Knows nothing of JSON-RPC.
        .target(name: "AiToEarnCore", dependencies: [
            "JSONValue", "Diagnostics",
            "NetworkingABI",
            .target(name: "AiToEarnNetworking", condition: .when(platforms: [.macOS])),
        ]),
        // URLSession behind a C entry point, so Linux can load it lazily.
        .target(name: "AiToEarnNetworking", dependencies: ["NetworkingABI"]),
        // The request and reply shapes both sides of that entry point agree on.
        .target(name: "NetworkingABI"),
        // Binds the core's operations to JSON-RPC methods and notifications.
        .target(name: "AiToEarnAdapter", dependencies: ["JSONRPC", "AiToEarnCore"]),
        .executableTarget(name: "aitoearn-rpc", dependencies: ["AiToEarnAdapter"]),
        .testTarget(name: "JSONRPCTests", dependencies: ["JSONRPC", "JSONValue"]),
        .testTarget(name: "AiToEarnCoreTests", dependencies: ["AiToEarnCore"]),
    ],
    swiftLanguageModes: [.v6]
)
