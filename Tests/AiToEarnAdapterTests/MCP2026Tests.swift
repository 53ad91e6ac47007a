@testable import AiToEarnAdapter
import JSONRPC
import JSONValue
import Testing

/// `_meta` as a 2026-07-28 request carries it.
func meta2026(_ extra: JSONObject = [:], capabilities: JSONValue = [:]) -> JSONValue {
    var m: JSONObject = ["io.modelcontextprotocol/protocolVersion": "2026-07-28",
                         "io.modelcontextprotocol/clientCapabilities": capabilities]
    for member in extra.members { m[member.key] = member.value }
    return .object(m)
}

let tasksExtension: JSONValue = ["extensions": ["io.modelcontextprotocol/tasks": [:]]]

@Suite("MCP face: 2026-07-28, routed per request")
struct MCP2026Tests {
    @Test("server/discover needs no handshake and lists every version, newest first")
    func discover() async throws {
        let h = try AdapterHarness()
        let r = try #require(await h.call("server/discover")?["result"])
        #expect(r["supportedVersions"] == ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"])
        #expect(r["resultType"] == "complete")
        #expect(r["ttlMs"] == 3_600_000)
        #expect(r["_meta"]?["io.modelcontextprotocol/serverInfo"]?["name"] == "aitoearn-rpc")
        // A probe decides nothing for an LSP client, which gets no status line from it either.
        #expect(h.notifications("status.changed").isEmpty)
        #expect(await h.close() == 0)
    }

    @Test("a request naming 2026-07-28 switches an undecided session; later requests must carry _meta")
    func perRequestMeta() async throws {
        let h = try AdapterHarness()
        let tools = try #require(await h.call("tools/list", ["_meta": meta2026()])?["result"])
        #expect(tools["resultType"] == "complete")
        #expect(tools["tools"]?.arrayValue?.count == 7)
        let missing = try #require(await h.call("tools/list", [:]))
        #expect(missing["error"]?["code"] == -32602)
        #expect(missing["error"]?["data"]?["errors"]?.arrayValue?.first?["path"] == "_meta")
        let badLevel = try #require(await h.call("tools/list", ["_meta": meta2026(["io.modelcontextprotocol/logLevel": "loud"])]))
        #expect(badLevel["error"]?["code"] == -32602)
        // The LSP methods are gone, and so is the handshake.
        #expect(await h.call("image.models", ["_meta": meta2026()])?["error"]?["code"] == -32601)
        let handshake = try #require(await h.call("initialize", ["protocolVersion": "2025-11-25"]))
        #expect(handshake["error"]?["code"] == -32022)
        #expect(handshake["error"]?["message"]?.stringValue?.contains("no initialize handshake") == true)
        #expect(await h.close() == 0)
    }

    @Test("an unknown version is -32022 with the versions spoken; a handshake version without handshake goes to that face")
    func versions() async throws {
        let h = try AdapterHarness()
        let unknown = try #require(await h.call("tools/list", ["_meta": ["io.modelcontextprotocol/protocolVersion": "2031-01-01"]]))
        #expect(unknown["error"]?["code"] == -32022)
        #expect(unknown["error"]?["data"]?["requested"] == "2031-01-01")
        // 2025-11-25 named without initialize: the session stays undecided and the LSP table answers.
        let legacy = try #require(await h.call("tools/list", ["_meta": ["io.modelcontextprotocol/protocolVersion": "2025-11-25"]]))
        #expect(legacy["error"]?["code"] == -32601)
        #expect(await h.close() == 0)
    }

    @Test("after an LSP initialize, 2026 requests are not routed: the LSP face answers")
    func lspSessionIsNotRouted() async throws {
        let h = try AdapterHarness()
        _ = await h.call("initialize", [:])
        #expect(await h.call("server/discover")?["error"]?["code"] == -32601)
        #expect(await h.call("tools/list", ["_meta": ["io.modelcontextprotocol/protocolVersion": "2031-01-01"]])?["error"]?["code"] == -32601)
        #expect(await h.close() == 0)
    }

    @Test("the Tasks extension: a declared client gets a task handle, tasks/get carries the result; undeclared is -32021")
    func tasksExtension2026() async throws {
        let h = try AdapterHarness()
        let created = try #require(await h.call("tools/call", ["_meta": meta2026(capabilities: tasksExtension), "name": "generate_image",
                                                               "arguments": ["prompt": "a fox", "model": "gpt-image-1"]])?["result"])
        #expect(created["resultType"] == "task")
        let id = try #require(created["taskId"])
        #expect(await h.call("tasks/get", ["_meta": meta2026(), "taskId": id])?["error"]?["code"] == -32021)
        var task: JSONValue?
        for _ in 0..<100 {
            task = await h.call("tasks/get", ["_meta": meta2026(capabilities: tasksExtension), "taskId": id])?["result"]
            if task?["status"] == "completed" { break }
            await Task.yield()
        }
        #expect(task?["status"] == "completed")
        #expect(task?["result"]?["structuredContent"]?["status"] == "success")
        #expect(await h.close() == 0)
    }

    @Test("a request's own log level gets notifications/message for its call")
    func requestLogLevel() async throws {
        let h = try AdapterHarness()
        _ = await h.call("tools/call", ["_meta": meta2026(["io.modelcontextprotocol/logLevel": "info"]), "name": "generate_image",
                                        "arguments": ["prompt": "a fox", "model": "gpt-image-1"]])
        let logs = h.notifications("notifications/message").compactMap { $0["params"] }
        #expect(logs.contains { $0["level"] == "info" && $0["logger"] == "aitoearn-rpc" })
        #expect(await h.close() == 0)
    }
}
