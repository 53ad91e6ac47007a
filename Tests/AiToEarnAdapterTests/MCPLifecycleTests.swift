@testable import AiToEarnAdapter
import AiToEarnCoreTestSupport
import JSONRPC
import JSONValue
import Testing

@Suite("MCP face: 2025-11-25 and earlier, with the initialize handshake")
struct MCPLifecycleTests {
    @Test("initialize with protocolVersion opens an MCP session: negotiated version, tasks capability, MCP methods only")
    func handshake() async throws {
        let h = try AdapterHarness()
        let reply = try #require(await h.call("initialize", ["protocolVersion": "2025-11-25", "capabilities": [:],
                                                             "clientInfo": ["name": "t", "version": "1"]]))
        let result = try #require(reply["result"])
        #expect(result["protocolVersion"] == "2025-11-25")
        #expect(result["capabilities"]?["tasks"] != nil)
        #expect(result["capabilities"]?["logging"] == [:])
        #expect(result["serverInfo"]?["name"] == "aitoearn-rpc")
        #expect(result["instructions"]?.stringValue?.contains("generate_image") == true)
        h.notify("notifications/initialized")
        let tools = try #require(await h.call("tools/list", [:]))
        let names = tools["result"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(names == ["generate_image", "edit_image", "get_task_status", "list_image_models", "generate_video", "list_video_models", "list_jobs"])
        #expect(await h.call("ping")?["result"] == [:])
        #expect(await h.call("image.models")?["error"]?["code"] == -32601)
        // No status line for an MCP client.
        #expect(h.notifications("status.changed").isEmpty)
        #expect(await h.close() == 0)
    }

    @Test("an older version is kept and has no tasks; an unknown one gets the latest")
    func negotiation() async throws {
        let old = try AdapterHarness()
        let r = try #require(await old.call("initialize", ["protocolVersion": "2025-03-26"])?["result"])
        #expect(r["protocolVersion"] == "2025-03-26")
        #expect(r["capabilities"]?["tasks"] == nil)
        let tools = await old.call("tools/list")?["result"]?["tools"]?.arrayValue ?? []
        #expect(tools.allSatisfy { $0["execution"] == nil })
        _ = await old.close()

        let unknown = try AdapterHarness()
        #expect(await unknown.call("initialize", ["protocolVersion": "1999-01-01"])?["result"]?["protocolVersion"] == "2025-11-25")
        _ = await unknown.close()
    }

    @Test("--mcp: an initialize without protocolVersion is still MCP, and MCP methods are there before it")
    func launchedAsMCP() async throws {
        let h = try AdapterHarness(["--mcp"])
        #expect(await h.call("tools/list")?["result"]?["tools"]?.arrayValue?.count == 7)
        let r = try #require(await h.call("initialize", [:])?["result"])
        #expect(r["protocolVersion"] == "2025-11-25")
        #expect(h.notifications("status.changed").isEmpty)
        #expect(await h.close() == 0)
    }

    @Test("tools/call generate_image: the job's result as structured content and a link")
    func callTool() async throws {
        let h = try AdapterHarness()
        _ = await h.call("initialize", ["protocolVersion": "2025-11-25"])
        let r = try #require(await h.call("tools/call", ["name": "generate_image", "arguments": ["prompt": "a fox", "model": "gpt-image-1"]])?["result"])
        #expect(r["isError"] == nil)
        #expect(r["structuredContent"]?["logId"] == .string(FakeNetwork.logId))
        #expect(r["structuredContent"]?["images"]?.arrayValue?.first?["mimeType"] == "image/png")
        let bad = try #require(await h.call("tools/call", ["name": "generate_image", "arguments": ["model": "m"]])?["result"])
        #expect(bad["isError"] == true)
        let unknown = try #require(await h.call("tools/call", ["name": "nope"]))
        #expect(unknown["error"]?["code"] == -32602)
        #expect(await h.close() == 0)
    }

    @Test("a task-augmented call makes a task that tasks/result collects")
    func tasks() async throws {
        let h = try AdapterHarness()
        _ = await h.call("initialize", ["protocolVersion": "2025-11-25"])
        let created = try #require(await h.call("tools/call", ["name": "generate_image", "task": ["ttl": 60_000],
                                                               "arguments": ["prompt": "a fox", "model": "gpt-image-1"]])?["result"])
        let id = try #require(created["task"]?["taskId"])
        let result = try #require(await h.call("tasks/result", ["taskId": id])?["result"])
        #expect(result["structuredContent"]?["status"] == "success")
        #expect(result["_meta"]?["io.modelcontextprotocol/related-task"]?["taskId"] == id)
        #expect(await h.call("tasks/get", ["taskId": id])?["result"]?["status"] == "completed")
        #expect(await h.call("tasks/get", ["taskId": "none"])?["error"]?["code"] == -32602)
        #expect(await h.close() == 0)
    }

    @Test("a finished task expires by the session's clock once its ttl has passed")
    func tasksExpireOnTheSessionClock() async throws {
        let h = try AdapterHarness()
        _ = await h.call("initialize", ["protocolVersion": "2025-11-25"])
        let created = try #require(await h.call("tools/call", ["name": "generate_image", "task": ["ttl": 60_000],
                                                               "arguments": ["prompt": "a fox", "model": "gpt-image-1"]])?["result"])
        let id = try #require(created["task"]?["taskId"])
        _ = await h.call("tasks/result", ["taskId": id])
        #expect(await h.call("tasks/get", ["taskId": id])?["result"]?["status"] == "completed")
        try await h.clock.sleep(ms: 61_000)
        let gone = try #require(await h.call("tasks/get", ["taskId": id]))
        #expect(gone["error"]?["code"] == -32602)
        #expect(gone["error"]?["message"]?.stringValue?.contains("may have expired") == true)
        #expect(await h.close() == 0)
    }
}
