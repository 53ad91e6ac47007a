import Foundation
import Testing
import JSONValue
@testable import AiToEarnCore

@Suite("Simulator and saving")
struct SimulatorTests {
    @Test("PNG output has a valid signature and chunk CRCs")
    func png() {
        let png = PromptPicture.png(prompt: "a red fox", index: 0, size: 16)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        var i = 8
        var types: [String] = []
        while i < png.count {
            let len = Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3])
            let chunk = Array(png[(i + 4)..<(i + 8 + len)])
            let crc = png[(i + 8 + len)..<(i + 12 + len)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(PNGEncoder.crc32(chunk) == crc)
            types.append(String(decoding: chunk.prefix(4), as: UTF8.self))
            i += 12 + len
        }
        #expect(types == ["IHDR", "IDAT", "IEND"])
    }

    @Test("a simulated job succeeds with base64 images after its delay; failure models behave as documented")
    func simulatedJob() async throws {
        let clock = VirtualClock()
        let folder = SimulatorFolder(insideImageDirectory: nil)
        defer { folder.remove() }
        let sim = SimulatorTransport(delayMs: 3000, folder: folder, clock: clock)
        let client = makeClient(sim, clock: clock)
        let jobs = ImageJobs(client: client, saver: ImageSaver(transport: sim, localImages: folder, requestTimeoutMs: 1000, addresses: .any))
        let req = ImageRequest(body: ["prompt": "fox", "model": "sim-image", "n": 2, "response_format": "b64_json"], model: "sim-image")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-test-\(getpid())").path
        let done = try await jobs.generate(req, options: PollOptions(wait: true, timeoutMs: 60_000, pollIntervalMs: 500),
                                           saveTo: dir, startMs: 0, events: { _ in })
        #expect(done["status"] == "success")
        #expect(done["images"]?.arrayValue?.count == 2)
        let saved = done["saved"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(saved.count == 2)
        #expect(saved.allSatisfy { $0.hasPrefix(dir + "/") && $0.hasSuffix(".png") })
        for model in ["sim-image-broke", "nope"] {
            do {
                _ = try await client.submit(["prompt": "p", "model": .string(model)])
                Issue.record("expected an error")
            } catch {
                guard case .upstream(let code, _) = error.kind else { Issue.record("\(error)"); continue }
                #expect(code == (model == "nope" ? 12300 : 12001))
            }
        }
    }

    @Test("saving refuses file:// URLs from the service and non-image bytes")
    func refusals() async {
        let t = ScriptedTransport([], fallback: .http(status: 200, body: "<html>not an image</html>", headers: [:]))
        let saver = ImageSaver(transport: t, localImages: nil, requestTimeoutMs: 1000, addresses: .any)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("save-test-\(getpid())").path
        for image: JSONValue in [["url": "file:///etc/passwd"], ["url": "https://cdn.example/x.png"], ["url": "ftp://x/y"], ["b64_json": "!!!"]] {
            do {
                _ = try await saver.save(task: ["images": [image]], logId: "0123456789abcdef01234567", to: dir)
                Issue.record("expected a refusal for \(image)")
            } catch {
                guard case .saveFailed = error.kind else { Issue.record("\(error)"); continue }
            }
        }
        #expect(t.requests.allSatisfy { $0.header("X-Api-Key") == nil })
    }
}

@Suite("Simulator job table")
struct SimulatorJobTableTests {
    @Test("keeps at most 10,000 jobs, the newest")
    func boundedByCount() {
        var t = SimulatorJobTable<Int>()
        for i in 0..<25_000 { t.insert(i, id: "job\(i)", endsMs: 0, nowMs: 0) }
        #expect(t.count == 10_000)
        #expect(t["job14999"] == nil)
        #expect(t["job15000"] == 15_000)
        #expect(t["job24999"] == 24_999)
    }

    @Test("forgets finished jobs an hour after they ended, keeps running ones")
    func boundedByAge() {
        var t = SimulatorJobTable<Int>()
        t.insert(1, id: "old", endsMs: 1_000, nowMs: 0)
        t.insert(2, id: "long", endsMs: 10_000_000, nowMs: 0)
        t.insert(3, id: "new", endsMs: 3_603_000, nowMs: 3_602_000)
        #expect(t["old"] == nil)
        #expect(t["long"] == 2)
        #expect(t["new"] == 3)
    }
}
