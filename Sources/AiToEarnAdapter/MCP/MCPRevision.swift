/// The MCP revisions this binary speaks, oldest first. They are ordered by their place here,
/// never by comparing their names as strings.
enum MCPRevision: String, CaseIterable, Comparable, Sendable {
    case v2024_11_05 = "2024-11-05"
    case v2025_03_26 = "2025-03-26"
    case v2025_06_18 = "2025-06-18"
    case v2025_11_25 = "2025-11-25"
    case v2026_07_28 = "2026-07-28"

    /// The revisions opened with an `initialize` handshake.
    static let handshake = allCases.filter { $0 < .v2026_07_28 }
    /// What a handshake that names no revision we speak gets (the client then decides).
    static let latestHandshake = handshake.last!

    /// The Tasks capability (tasks/get, tasks/result, …) came with 2025-11-25.
    var hasTasks: Bool { self >= .v2025_11_25 }

    static func < (a: MCPRevision, b: MCPRevision) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
