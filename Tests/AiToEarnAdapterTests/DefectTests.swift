@testable import AiToEarnAdapter
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AiToEarnCoreTestSupport
import JSONRPC
import JSONValue
import Testing

@Suite("Defects that stay fixed")
struct DefectTests {
    @Test("rpc.discover: the embedded document parses, and is schemas/openrpc.json")
    func embeddedDocumentParses() throws {
        let served = try OpenRPCDocument.value.get()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try Data(contentsOf: root.appendingPathComponent("schemas/openrpc.json"))
        #expect(served == (try JSONParser.parse(file)))
    }

    @Test("rpc.discover: a document that does not parse is an internal error, not a null result")
    func brokenDocumentIsAnInternalError() {
        guard case .failure(let e) = OpenRPCDocument.parse("{\"openrpc\": ") else {
            Issue.record("a broken document parsed")
            return
        }
        #expect(e.code == .internalError)
    }

    @Test("rpc.discover on the wire answers the document")
    func discoverOnTheWire() async throws {
        let h = try AdapterHarness()
        #expect(await h.call("rpc.discover")?["result"]?["openrpc"] == "1.3.2")
        #expect(await h.call("rpc.discover", ["x": 1])?["error"]?["code"] == -32602)
        _ = await h.close()
    }

    @Test("MCP revisions are ordered by date, and tasks came with 2025-11-25")
    func revisions() {
        #expect(MCPRevision.allCases.map(\.rawValue) == MCPRevision.allCases.map(\.rawValue).sorted())
        #expect(MCPRevision.allCases.filter(\.hasTasks) == [.v2025_11_25, .v2026_07_28])
        #expect(MCPRevision.handshake.last == .v2025_11_25 && !MCPRevision.handshake.contains(.v2026_07_28))
        let state = MCPState(imageDirectory: "/tmp", clock: VirtualClock(), notifier: { Notifier { _, _ in } })
        for (asked, spoken, tasks) in [("2024-11-05", "2024-11-05", false), ("2025-06-18", "2025-06-18", false),
                                       ("2025-11-25", "2025-11-25", true), ("2026-07-28", "2025-11-25", true),
                                       ("2099-01-01", "2025-11-25", true), ("2025-11-25x", "2025-11-25", true)] {
            #expect(state.negotiate(asked).rawValue == spoken, "\(asked)")
            #expect(state.supportsTasks == tasks, "\(asked)")
        }
    }

    @Test("a finished 2026-07-28 task points to tasks/get, never to a method that revision removed")
    func task2026NamesNoRemovedMethod() async throws {
        let store = MCPTaskStore(clock: VirtualClock())
        let removedIn2026 = [MCP2025TaskResult.name, MCP2025ListTasks.name]
        for (video, isError) in [(false, false), (false, true), (true, false), (true, true)] {
            for for2026 in [true, false] {
                let created = try store.create(ttlMs: nil, pollIntervalMs: 1000, for2026: for2026, video: video,
                                               notify: { _, _ in }) { _ in .object(["isError": .bool(isError)]) }
                let id = try #require(created["taskId"]?.stringValue)
                _ = try await store.result(id)
                let message = try #require(try store.get(id)["statusMessage"]?.stringValue)
                if for2026 {
                    for method in removedIn2026 { #expect(!message.contains(method), "\(message)") }
                    #expect(message.contains(MCP2026GetTask.name), "\(message)")
                } else {
                    // 2025-11-25 has tasks/result, and its tasks keep pointing to it.
                    #expect(message.contains(MCP2025TaskResult.name), "\(message)")
                }
            }
        }
    }

    @Test("MCPTaskStore: tasks made at the same moment are all listed and all found, within the cap")
    func taskStoreIsOneTable() async throws {
        let store = MCPTaskStore(maxTasks: 8, clock: VirtualClock())
        let ids = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    let created = try? store.create(ttlMs: nil, pollIntervalMs: 1000, notify: { _, _ in }) { _ in .object(["isError": false]) }
                    return created?["taskId"]?.stringValue
                }
            }
            var made: [String] = []
            for await id in group { if let id { made.append(id) } }
            return made
        }
        #expect(ids.count >= 8)
        let listed = try store.list(cursor: nil)["tasks"]?.arrayValue?.compactMap { $0["taskId"]?.stringValue } ?? []
        #expect(listed.count <= 8)
        for id in listed { #expect((try? store.get(id)) != nil) }
        let found = ids.filter { (try? store.get($0)) != nil }
        #expect(Set(found) == Set(listed))
    }
}
