// swift-tools-version:6.0
import PackageDescription

// No package dependencies, by design: a tiny, fast-building binary any editor can ship.
let package = Package(
    name: "aitoearn-rpc",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "aitoearn-rpc", targets: ["aitoearn-rpc"]),
    ],
    targets: [
        // A JSON value with exact round-trip, its parser and serializer.
        .target(name: "JSONValue"),
        // Logging, wire tracing and secret redaction, shared by the engine and the core; also the
        // few system pieces every target needs and the standard library lacks (a lock, a condition,
        // threads, POSIX file reads), so nothing needs more of Foundation than FoundationEssentials.
        .target(name: "Diagnostics", dependencies: ["JSONValue"]),
        // The JSON-RPC 2.0 engine: framing, dispatch, lifecycle, stdio. Knows nothing of AiToEarn.
        .target(name: "JSONRPC", dependencies: ["JSONValue", "Diagnostics"]),
        // The AiToEarn core: config, HTTP, retries, polling, validation, simulator. Knows nothing of JSON-RPC.
        .target(name: "AiToEarnCore", dependencies: [
            "JSONValue", "Diagnostics", "CurlShim",
        ]),
        // The few libcurl entry points the HTTP client uses, loaded with dlopen on the first
        // request: building needs no libcurl headers, and starting does not pay for libcurl.
        .target(name: "CurlShim", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        // Binds the core's operations to JSON-RPC methods and notifications.
        .target(name: "AiToEarnAdapter", dependencies: [
            "JSONRPC", "AiToEarnCore", "JSONValue", "Diagnostics",
        ]),
        // C symbols the static C++ library would otherwise take from a newer glibc than the
        // file promises (arc4random, glibc 2.36): linked in, never called from Swift.
        .target(name: "GlibcFloor"),
        .executableTarget(name: "aitoearn-rpc", dependencies: ["AiToEarnAdapter", "GlibcFloor"]),
        // What the engine's tests and the adapter's share, shipped in neither: an engine in memory
        // (streams to feed and read), waits that keep blocking off the cooperative pool, the wire read back.
        .target(name: "JSONRPCTestSupport", dependencies: ["JSONRPC", "JSONValue", "Diagnostics"],
                path: "Tests/JSONRPCTestSupport"),
        // The core's fakes, shared by the core's tests and the adapter's: a clock that moves only
        // when slept on, and the service in memory.
        .target(name: "AiToEarnCoreTestSupport", dependencies: ["AiToEarnCore", "JSONValue", "Diagnostics"],
                path: "Tests/AiToEarnCoreTestSupport"),
        .testTarget(name: "DiagnosticsTests", dependencies: ["Diagnostics"]),
        .testTarget(name: "JSONRPCTests", dependencies: ["JSONRPC", "JSONValue", "Diagnostics", "JSONRPCTestSupport"]),
        .testTarget(name: "AiToEarnCoreTests", dependencies: [
            "AiToEarnCore", "JSONValue", "Diagnostics", "AiToEarnCoreTestSupport",
        ]),
        // The adapter served in memory (both faces), on a fake network and a test clock.
        .testTarget(name: "AiToEarnAdapterTests", dependencies: [
            "AiToEarnAdapter", "AiToEarnCore", "JSONRPC", "JSONValue", "Diagnostics",
            "JSONRPCTestSupport", "AiToEarnCoreTestSupport",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
