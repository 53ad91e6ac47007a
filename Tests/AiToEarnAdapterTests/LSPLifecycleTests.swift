@testable import AiToEarnAdapter
import AiToEarnCoreTestSupport
import JSONRPC
import JSONValue
import Testing

@Suite("LSP face: lifecycle")
struct LSPLifecycleTests {
    @Test("initialize, initialized, shutdown, exit: the methods listed, status.changed after the reply, exit status 0")
    func fullLifecycle() async throws {
        let h = try AdapterHarness()
        let reply = try #require(await h.call("initialize", ["processId": .null, "capabilities": [:]]))
        let result = try #require(reply["result"])
        #expect(result["serverInfo"]?["name"] == "aitoearn-rpc")
        let methods = result["capabilities"]?["methods"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(methods == ["initialize", "shutdown", "exit", "credits.usage", "image.edit", "image.generate", "image.models", "rpc.discover",
                            "task.list", "task.status", "video.generate", "video.models"])
        #expect(result["capabilities"]?["notifications"] == ["task.progress", "$/progress", "status.changed"])
        #expect(result["protocolVersion"] == nil)
        h.notify("initialized", [:])
        let shutdown = try #require(await h.call("shutdown"))
        #expect(shutdown["result"] == .null && shutdown["error"] == nil)
        #expect(h.notifications("status.changed").first?["params"]?["kind"] == "ok")
        let after = try #require(await h.call("image.models"))
        #expect(after["error"]?["code"] == .integer(Int64(ErrorCode.invalidRequest.rawValue)))
        h.notify("exit")
        #expect(await h.exited() == 0)
    }

    @Test("a request before initialize is served (initialize is optional); exit without shutdown is status 1")
    func requestBeforeInitialize() async throws {
        let h = try AdapterHarness()
        let models = try #require(await h.call("image.models"))
        #expect(models["result"] == [["name": "gpt-image-1"]])
        let job = try #require(await h.call("image.generate", ["prompt": "a fox", "model": "gpt-image-1"]))
        #expect(job["result"]?["status"] == "success")
        #expect(job["result"]?["logId"] == .string(FakeNetwork.logId))
        // The session started with the first request: its status line, then the job's progress
        // (queued progress of one request gives way to its latest, so at least one).
        #expect(h.notifications("status.changed").count == 1)
        #expect(!h.notifications("task.progress").isEmpty)
        h.notify("exit")
        #expect(await h.exited() == 1)
    }

    @Test("a second initialize is -32600; MCP methods are not on the LSP face")
    func secondInitialize() async throws {
        let h = try AdapterHarness()
        _ = await h.call("initialize", [:])
        let again = try #require(await h.call("initialize", [:]))
        #expect(again["error"]?["code"] == -32600)
        let tools = try #require(await h.call("tools/list"))
        #expect(tools["error"]?["code"] == -32601)
        #expect(await h.close() == 0)
    }

    @Test("initializationOptions: settings applied, and every broken rule named under initializationOptions")
    func initializationOptions() async throws {
        let h = try AdapterHarness()
        let bad = try #require(await h.call("initialize", ["initializationOptions": ["timeoutMs": 0, "colour": "red"]]))
        #expect(bad["error"]?["code"] == -32602)
        let paths = bad["error"]?["data"]?["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
        #expect(paths == ["initializationOptions.timeoutMs", "initializationOptions.colour"])
        #expect(await h.close() == 0)
    }

    @Test("an initialize that is not an object is -32602")
    func initializeParamsMustBeAnObject() async throws {
        let h = try AdapterHarness()
        let reply = try #require(await h.call("initialize", [1, 2]))
        #expect(reply["error"]?["code"] == -32602)
        #expect(await h.close() == 0)
    }
}
