@testable import AiToEarnAdapter
import AiToEarnCore
import AiToEarnCoreTestSupport
import JSONRPC
import JSONValue
import Testing

@Suite("Application error codes and how core errors map to them")
struct ErrorCodeTests {
    @Test("application error codes keep their numbers")
    func codes() {
        #expect(ErrorCode.apiKey.rawValue == -32001)
        #expect(ErrorCode.upstream.rawValue == -32010)
        #expect(ErrorCode.jobFailed.rawValue == -32011)
        #expect(ErrorCode.timedOut.rawValue == -32012)
        #expect(ErrorCode.unreachable.rawValue == -32013)
        #expect(ErrorCode.rateLimited.rawValue == -32014)
        #expect(ErrorCode.saveFailed.rawValue == -32015)
        #expect(ErrorCode.creditLimit.rawValue == -32016)
        #expect(MCP2026.extensionNotDeclared.rawValue == -32021)
        #expect(MCP2026.unsupportedVersion.rawValue == -32022)
    }

    @Test("the OpenRPC document lists exactly the codes the LSP face answers with")
    func documentedCodes() throws {
        let errors = try #require(OpenRPCDocument.value.get()["components"]?["errors"]?.objectValue)
        let documented = Set(errors.members.compactMap { $0.value["code"]?.integerValue })
        let answered: [ErrorCode] = [.invalidRequest, .invalidParams, .apiKey, .upstream, .jobFailed, .timedOut,
                                     .unreachable, .rateLimited, .saveFailed, .creditLimit, .requestCancelled]
        #expect(documented == Set(answered.map { Int64($0.rawValue) }))
    }

    @Test("every core error kind maps to its code", arguments: [
        (CoreError.Kind.invalidParams([ValidationIssue("prompt", "required")]), -32602),
        (.noAPIKey, -32001),
        (.unauthorized(upstreamCode: 401, upstreamMessage: "no"), -32001),
        (.upstream(code: 12001, message: "credits"), -32010),
        (.badLogId(received: 7, upstreamMessage: "ok"), -32010),
        (.jobFailed(logId: FakeNetwork.logId, task: [:]), -32011),
        (.timedOut(logId: FakeNetwork.logId, task: nil), -32012),
        (.unreachable(httpStatus: 502, attempts: 3, reason: "bad gateway", maybeSubmitted: false), -32013),
        (.noHTTPClient(reason: "no libcurl"), -32013),
        (.redirected(httpStatus: 302, location: "/x"), -32013),
        (.requestTooLarge(bodyBytes: 1), -32013),
        (.replyTooLarge(limitBytes: 1), -32013),
        (.rateLimited(retryAfterMs: 1000), -32014),
        (.saveFailed(logId: FakeNetwork.logId, task: [:], reason: "disk full"), -32015),
        (.overLimit(credits: 10, committed: 20, limit: 25, reason: nil), -32016),
        (.cancelled(logId: nil), -32800),
    ] as [(CoreError.Kind, Int)])
    func mapping(kind: CoreError.Kind, code: Int) {
        #expect(CoreError(kind).rpcError.code.rawValue == code)
    }

    @Test("the data a program acts on: the upstream code, the job's id, retry-after")
    func data() {
        let upstream = CoreError(.upstream(code: 12001, message: "credits")).rpcError
        #expect(upstream.data?["upstreamCode"] == 12001)
        #expect(upstream.data?["upstreamMessage"] == "credits")
        #expect(CoreError(.timedOut(logId: FakeNetwork.logId, task: nil)).rpcError.data?["logId"] == .string(FakeNetwork.logId))
        #expect(CoreError(.rateLimited(retryAfterMs: 1500)).rpcError.data?["retryAfterMs"] == 1500)
        let limit = CoreError(.overLimit(credits: 10, committed: 20, limit: 25, reason: nil)).rpcError.data
        #expect(limit == ["credits": 10, "committed": 20, "limit": 25])
        let unknown = CoreError(.overLimit(credits: nil, committed: 0, limit: 25, reason: "no price")).rpcError.data
        #expect(unknown == ["credits": .null, "committed": 0, "limit": 25, "reason": "no price"])
    }
}

@Suite("Error mapping on the wire (LSP face)")
struct WireErrorTests {
    private func generate(_ h: AdapterHarness, _ extra: JSONObject = [:]) async -> JSONValue? {
        var params: JSONObject = ["prompt": "a fox", "model": "gpt-image-1"]
        for m in extra.members { params[m.key] = m.value }
        return await h.call("image.generate", .object(params))?["error"]
    }

    @Test("no API key: -32001, nothing sent")
    func noKey() async throws {
        let h = try AdapterHarness(environment: [:])
        #expect(await generate(h)?["code"] == -32001)
        #expect(h.network.requests.isEmpty)
        _ = await h.close()
    }

    @Test("a business code: -32010 with the service's code")
    func upstream() async throws {
        let h = try AdapterHarness(network: FakeNetwork { _ in .envelope(code: 12001, message: "insufficient credits", data: .null) })
        let e = await generate(h)
        #expect(e?["code"] == -32010)
        #expect(e?["data"]?["upstreamCode"] == 12001)
        _ = await h.close()
    }

    @Test("a failed job: -32011 with its logId")
    func jobFailed() async throws {
        let h = try AdapterHarness(network: FakeNetwork { r in
            r.url.path.hasPrefix(UpstreamAPI.taskPrefix)
                ? .envelope(code: 0, data: ["logId": .string(FakeNetwork.logId), "status": "failed", "errorMessage": "nsfw"])
                : FakeNetwork.imageJobSucceeds(r)
        })
        let e = await generate(h)
        #expect(e?["code"] == -32011)
        #expect(e?["data"]?["logId"] == .string(FakeNetwork.logId))
        _ = await h.close()
    }

    @Test("a job still running at timeoutMs: -32012 with its logId")
    func timedOut() async throws {
        let h = try AdapterHarness(network: FakeNetwork { r in
            r.url.path.hasPrefix(UpstreamAPI.taskPrefix)
                ? .envelope(code: 0, data: ["logId": .string(FakeNetwork.logId), "status": "generating"])
                : FakeNetwork.imageJobSucceeds(r)
        })
        let e = await generate(h, ["timeoutMs": 5000, "pollIntervalMs": 1000])
        #expect(e?["code"] == -32012)
        #expect(e?["data"]?["logId"] == .string(FakeNetwork.logId))
        _ = await h.close()
    }

    @Test("a service that answers 500: -32013 after retries, with the status")
    func unreachable() async throws {
        let h = try AdapterHarness(network: FakeNetwork { _ in .http(status: 500, body: "oops") })
        let e = await h.call("image.models")?["error"]
        #expect(e?["code"] == -32013)
        #expect(e?["data"]?["httpStatus"] == 500)
        _ = await h.close()
    }

    @Test("a service that keeps answering 429: -32014")
    func rateLimited() async throws {
        let h = try AdapterHarness(network: FakeNetwork { _ in .http(status: 429, body: "slow down", headers: ["retry-after": "1"]) })
        #expect(await h.call("image.models")?["error"]?["code"] == -32014)
        _ = await h.close()
    }

    @Test("a job whose images cannot be saved: -32015 with the job")
    func saveFailed() async throws {
        let h = try AdapterHarness()
        let e = await generate(h, ["saveTo": "/proc/aitoearn-rpc-cannot-write-here"])
        #expect(e?["code"] == -32015)
        #expect(e?["data"]?["logId"] == .string(FakeNetwork.logId))
        _ = await h.close()
    }

    @Test("unknown params: -32602 naming each one")
    func invalidParams() async throws {
        let h = try AdapterHarness()
        let e = await generate(h, ["colour": "red", "workDoneToken": true])
        #expect(e?["code"] == -32602)
        let paths = e?["data"]?["errors"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
        #expect(paths.sorted() == ["colour", "workDoneToken"])
        _ = await h.close()
    }
}
