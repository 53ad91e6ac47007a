import AiToEarnCore
import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONRPC
import JSONValue

/// The MCP side of a session: negotiated version, log level, image folder, tasks.
final class MCPState: Sendable {
    /// RFC 5424 severities as MCP names them, least severe first.
    static let logLevels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]

    let imageDirectory: String
    let tasks: MCPTaskStore
    /// Requests to the client, and their replies.
    let clientRequests: MCPClientRequests
    /// The legacy client declared `elicitation` in `initialize`: it can ask its user.
    let clientElicits = Locked(false)
    private let revision = Locked(MCPRevision.latestHandshake)
    private let logLevel = Locked("info")
    private let notifier: @Sendable () -> Notifier

    init(imageDirectory: String, clock: CoreClock, notifier: @escaping @Sendable () -> Notifier) {
        self.imageDirectory = imageDirectory
        tasks = MCPTaskStore(clock: clock)
        self.notifier = notifier
        clientRequests = MCPClientRequests(notifier: notifier)
    }

    /// The client's handshake revision when we speak it, else our latest (the client then decides).
    func negotiate(_ requested: String?) -> MCPRevision {
        let r = requested.flatMap { MCPRevision(rawValue: $0) }.flatMap { MCPRevision.handshake.contains($0) ? $0 : nil } ?? .latestHandshake
        revision.withLock { $0 = r }
        return r
    }

    var supportsTasks: Bool { revision.current.hasTasks }

    func setLogLevel(_ level: String) { logLevel.withLock { $0 = level } }

    /// `notifications/message`, when `level` is at or above the client's chosen level.
    func log(_ level: String, _ text: String) { log(level, text, threshold: logLevel.current) }

    /// `notifications/message`, when `level` is at or above `threshold` (a 2026-07-28 request's own level, say).
    func log(_ level: String, _ text: String, threshold: String) {
        let lowest = Self.logLevels.firstIndex(of: threshold) ?? 1
        guard (Self.logLevels.firstIndex(of: level) ?? 0) >= lowest else { return }
        notify("notifications/message", .object(["level": .string(level), "logger": "aitoearn-rpc", "data": .string(text)]))
    }

    func notify(_ method: String, _ params: JSONValue) { notifier().notify(method, params) }
}
