import Foundation
#if !canImport(FoundationNetworking)
import AiToEarnNetworking
#endif

/// The three entry points of the URLSession module (see AiToEarnNetworking/EntryPoints.swift).
struct NetworkLibrary: Sendable {
    typealias Completion = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer) -> Void
    let send: @convention(c) (UnsafeMutableRawPointer, UnsafeMutableRawPointer?, Completion) -> UnsafeMutableRawPointer
    let cancel: @convention(c) (UnsafeMutableRawPointer) -> Void
    let release: @convention(c) (UnsafeMutableRawPointer) -> Void

    /// Loaded on first use. On Linux that is when the first HTTP request goes out, so a process
    /// that never talks to the network (the simulator, a quick `initialize`) never pays for libcurl.
    static let shared: Result<NetworkLibrary, TransportFailure> = load()

    static let fileName = "libAiToEarnNetworking.so"

    private static func load() -> Result<NetworkLibrary, TransportFailure> {
        #if canImport(FoundationNetworking)
        var candidates = [fileName]
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        candidates.insert(exe.deletingLastPathComponent().appendingPathComponent(fileName).path, at: 0)
        var lastError = "not found"
        for path in candidates {
            guard let h = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
                lastError = dlerror().map { String(cString: $0) } ?? "not found"
                continue
            }
            guard let s = dlsym(h, "aitoearn_network_send"), let c = dlsym(h, "aitoearn_network_cancel"),
                  let r = dlsym(h, "aitoearn_network_release") else {
                return .failure(.notConnected("\(path) lacks the aitoearn_network_* entry points"))
            }
            return .success(NetworkLibrary(send: unsafeBitCast(s, to: type(of: NetworkLibrary.placeholderSend)),
                                           cancel: unsafeBitCast(c, to: (@convention(c) (UnsafeMutableRawPointer) -> Void).self),
                                           release: unsafeBitCast(r, to: (@convention(c) (UnsafeMutableRawPointer) -> Void).self)))
        }
        return .failure(.notConnected("cannot load \(fileName), which must sit next to the aitoearn-rpc binary (\(lastError))"))
        #else
        return .success(NetworkLibrary(send: aitoearn_network_send, cancel: aitoearn_network_cancel, release: aitoearn_network_release))
        #endif
    }

    private static let placeholderSend: @convention(c) (UnsafeMutableRawPointer, UnsafeMutableRawPointer?, Completion) -> UnsafeMutableRawPointer = { _, _, _ in
        fatalError("placeholder")
    }
}
