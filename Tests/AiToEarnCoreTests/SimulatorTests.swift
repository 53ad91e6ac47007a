#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import JSONValue
import AiToEarnCoreTestSupport
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

    @Test("every simulated model has a price; a settled status says what it cost (0 once failed); the jobs are listed newest first")
    func pricesPointsAndList() async throws {
        let clock = VirtualClock()
        let folder = SimulatorFolder(insideImageDirectory: nil)
        defer { folder.remove() }
        let sim = SimulatorTransport(delayMs: 0, folder: folder, clock: clock)
        let client = makeClient(sim, clock: clock)
        for kind in ImageJobKind.allCases {
            let list = try await client.models(kind: kind).data
            #expect(list.arrayValue?.allSatisfy { Pricing.number($0["pricing"] ?? .null) != nil } == true)
        }
        let video = try await client.videoModels().data
        #expect(video.arrayValue?.allSatisfy { $0["pricing"]?.arrayValue?.isEmpty == false } == true)
        let ok = try await client.submit(["prompt": "fox", "model": "sim-image", "response_format": "b64_json"]).data["logId"]?.stringValue ?? ""
        let bad = try await client.submit(["prompt": "fox", "model": "sim-image-fail"]).data["logId"]?.stringValue ?? ""
        #expect(try await client.taskStatus(logId: ok).data["points"] == 10)
        #expect(try await client.taskStatus(logId: bad).data["points"] == 0)
        let page = try await client.jobLogs([("type", "image"), ("page", "1"), ("pageSize", "1")]).data
        #expect(page["total"] == 2 && page["totalPages"] == 2 && page["pageSize"] == 1)
        #expect(page["list"]?.arrayValue?.first?["id"] == .string(bad) && page["list"]?.arrayValue?.first?["status"] == "failed")
        let failed = try await client.jobLogs([("type", "image"), ("status", "success")]).data
        #expect(failed["list"]?.arrayValue?.map { $0["id"] } == [.string(ok)])
        #expect(try await client.jobLogs([("type", "video")]).data["total"] == 0)
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
        let done = try await jobs.generate(req, JobRun(poll: PollOptions(wait: true, timeoutMs: 60_000, pollIntervalMs: 500),
                                           saveTo: dir, startMs: 0, events: { _ in }))
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

    @Test("simulated edits: pictures follow the input bytes; a bad data URI fails the job as the worker does")
    func simulatedEdits() async throws {
        let clock = VirtualClock()
        let folder = SimulatorFolder(insideImageDirectory: nil)
        defer { folder.remove() }
        let sim = SimulatorTransport(delayMs: 1000, folder: folder, clock: clock)
        let client = makeClient(sim, clock: clock)
        let jobs = ImageJobs(client: client, saver: ImageSaver(transport: sim, localImages: folder, requestTimeoutMs: 1000, addresses: .any))
        #expect(try await jobs.models(kind: .edit).arrayValue?.map { $0["maxInputImages"] } == [4, 1])
        let options = PollOptions(wait: true, timeoutMs: 60_000, pollIntervalMs: 500)
        func picture(_ inputs: [UInt8]...) async throws -> JSONValue {
            let images = inputs.map { JSONValue.string("data:image/png;base64," + Data($0).base64EncodedString()) }
            let req = EditRequest(body: ["prompt": "darker", "model": "sim-edit", "image": .array(images), "response_format": "b64_json"],
                                  model: "sim-edit", imageCount: images.count, inlineBytes: 0)
            let done = try await jobs.edit(req, JobRun(poll: options, saveTo: nil, startMs: clock.nowMs, events: { _ in }))
            #expect(done["status"] == "success")
            return done["images"]?.arrayValue?.first?["b64_json"] ?? .null
        }
        let a = PromptPicture.png(prompt: "a", index: 0, size: 8), b = PromptPicture.png(prompt: "b", index: 0, size: 8)
        let first = try await picture(a)
        #expect(try await picture(a) == first)
        #expect(try await picture(b) != first)
        #expect(try await picture(a, b) != first)
        #expect(Data(base64Encoded: first.stringValue ?? "")?.starts(with: [0x89, 0x50, 0x4E, 0x47]) == true)

        let bad = EditRequest(body: ["prompt": "p", "model": "sim-edit-single", "image": "data:image/png;base64,%%%"],
                              model: "sim-edit-single", imageCount: 1, inlineBytes: 0)
        do {
            _ = try await jobs.edit(bad, JobRun(poll: options, saveTo: nil, startMs: clock.nowMs, events: { _ in }))
            Issue.record("expected the job to fail")
        } catch {
            guard case .jobFailed(_, let task) = error.kind else { Issue.record("\(error)"); return }
            #expect(task["errorMessage"] == "Invalid data URI")
        }
        let refused: [(JSONObject, Int)] = [(["prompt": "p", "model": "sim-image", "image": "https://x/a.png"], 12300),
                                            (["prompt": "p", "model": "sim-edit", "image": "https://x/a.png", "n": 2], 10002),
                                            (["prompt": "p", "model": "sim-edit", "image": []], 10002)]
        for (body, code) in refused {
            do {
                _ = try await client.submit(body, kind: .edit)
                Issue.record("expected \(code)")
            } catch {
                guard case .upstream(let got, _) = error.kind else { Issue.record("\(error)"); continue }
                #expect(got == code)
            }
        }
    }

    @Test("the simulator refuses replies larger than the request accepts, as the real client does")
    func replyLimit() async {
        let folder = SimulatorFolder(insideImageDirectory: nil)
        let sim = SimulatorTransport(delayMs: 0, folder: folder)
        var request = HTTPRequest(method: "GET", url: URL(string: "http://sim/api/ai/models/image/generation")!, timeoutMs: 1000,
                                  maxResponseBytes: 100)
        do {
            _ = try await sim.send(request)
            Issue.record("expected replyTooLarge")
        } catch {
            #expect(error == .replyTooLarge(limit: 100))
        }
        request.maxResponseBytes = HTTPRequest.defaultMaxResponseBytes
        #expect((try? await sim.send(request))?.status == 200)
    }

    @Test("saving refuses file:// URLs from the service and non-image bytes")
    func refusals() async {
        let t = FakeNetwork(script: [], fallback: .http(status: 200, body: "<html>not an image</html>", headers: [:]))
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
        var t = SimulatorJobTable<String, Int>()
        for i in 0..<25_000 { t.insert(i, id: "job\(i)", endsMs: 0, nowMs: 0) }
        #expect(t.count == 10_000)
        #expect(t["job14999"] == nil)
        #expect(t["job15000"]?.job == 15_000)
        #expect(t["job24999"]?.job == 24_999)
    }

    @Test("returns the jobs it forgets, oldest first")
    func returnsEvicted() {
        var t = SimulatorJobTable<String, Int>()
        for i in 0..<10_000 { #expect(t.insert(i, id: "job\(i)", endsMs: 0, nowMs: 0).isEmpty) }
        let forgotten = t.insert(10_000, id: "job10000", endsMs: 0, nowMs: 0)
        #expect(forgotten.map(\.id) == ["job0"] && forgotten.map(\.job) == [0])
        let aged = t.insert(-1, id: "late", endsMs: 3_700_000, nowMs: 3_600_002)
        #expect(aged.count == 10_000 && aged.first?.id == "job1" && aged.last?.id == "job10000")
        #expect(t.count == 1)
    }

    @Test("keeps at most 64 MiB of requests, but always the newest job")
    func boundedByBytes() {
        var t = SimulatorJobTable<String, Int>()
        let mib = 1 << 20
        let text = [UInt8](repeating: 7, count: 15 * mib)
        for i in 0..<4 { #expect(t.insert(i, id: "big\(i)", text: text, endsMs: 0, nowMs: 0).isEmpty) }
        #expect(t.insert(4, id: "big4", text: text, endsMs: 0, nowMs: 0).map(\.id) == ["big0"])
        #expect(t.bytes == 60 * mib && t.count == 4)
        #expect(t.insert(5, id: "huge", text: [UInt8](repeating: 1, count: 65 * mib), endsMs: 0, nowMs: 0).count == 4)
        #expect(t.count == 1 && t["huge"]?.job == 5 && t["huge"]?.text.count == 65 * mib)
    }

    @Test("forgets finished jobs an hour after they ended, keeps running ones")
    func boundedByAge() {
        var t = SimulatorJobTable<String, Int>()
        t.insert(1, id: "old", endsMs: 1_000, nowMs: 0)
        t.insert(2, id: "long", endsMs: 10_000_000, nowMs: 0)
        t.insert(3, id: "new", endsMs: 3_603_000, nowMs: 3_602_000)
        #expect(t["old"] == nil)
        #expect(t["long"]?.job == 2)
        #expect(t["new"]?.job == 3)
    }
}

@Suite("FIFO text store")
struct FIFOTextStoreTests {
    @Test("gives back every text as it was added, across slabs")
    func roundTrip() {
        var store = FIFOTextStore()
        let texts = (0..<2_000).map { i in Array("request \(i) ".utf8) + [UInt8](repeating: UInt8(i % 251), count: i % 300) }
        let refs = texts.map { store.append($0) }
        #expect(store.slabCount > 1)
        #expect(zip(refs, texts).allSatisfy { store[$0] == $1 })
        #expect(store.bytes == texts.reduce(0) { $0 + $1.count })
    }

    @Test("a slab goes once all its texts are released, oldest first; the one being filled stays")
    func releasesSlabs() {
        var store = FIFOTextStore()
        let quarter = [UInt8](repeating: 1, count: FIFOTextStore.slabSize / 4)
        let refs = (0..<12).map { _ in store.append(quarter) }  // three full slabs
        #expect(store.slabCount == 3)
        for r in refs[0..<3] { store.release(r) }
        #expect(store.slabCount == 3)
        store.release(refs[3])
        #expect(store.slabCount == 2)
        #expect(store[refs[4]] == quarter && store[refs[11]] == quarter)
        for r in refs[4...] { store.release(r) }
        #expect(store.slabCount == 1 && store.bytes == 0)
        let big = [UInt8](repeating: 9, count: FIFOTextStore.slabSize * 3)
        let bigRef = store.append(big)
        #expect(store[bigRef] == big && store.slabCount == 2)
    }
}

@Suite("Simulated logIds")
struct SimulatedLogIDTests {
    @Test("24 lowercase hex digits round-trip through 12 bytes; anything else is no simulated logId")
    func parse() {
        for text in ["0123456789abcdef01234567", "000000000000000000000000", "ffffffffffffffffffffffff"] {
            #expect(SimulatedLogID(text)?.text == text)
        }
        #expect(SimulatedLogID(high: 0x6650_f1c2, low: 0xa9).text == "6650f1c200000000000000a9")
        for text in ["0123456789ABCDEF01234567", "0123456789abcdef0123456", "0123456789abcdef012345678", "0123456789abcdef0123456g", ""] {
            #expect(SimulatedLogID(text) == nil)
        }
    }
}

@Suite("Simulator image files")
struct SimulatorImageFileTests {
    /// A simulator on `folder` (1 s jobs), its client and its clock.
    private struct Rig {
        let clock = VirtualClock()
        let client: UpstreamClient

        init(_ folder: SimulatorFolder) {
            client = makeClient(SimulatorTransport(delayMs: 1_000, folder: folder, clock: clock), clock: clock)
        }

        /// Submits a `url` job with two images, lets it end and reads its status: the paths of its files.
        func finishedJob() async throws -> (String, [String]) {
            let reply = try await client.submit(["prompt": "fox", "model": "sim-image", "n": 2, "response_format": "url"])
            let logId = try #require(reply.data["logId"]?.stringValue)
            try await clock.sleep(ms: 2_000)
            let status = try await client.taskStatus(logId: logId)
            let urls = status.data["images"]?.arrayValue?.compactMap { $0["url"]?.stringValue } ?? []
            return (logId, urls.compactMap { URL(string: $0)?.path })
        }
    }

    @Test("a forgotten job's images are deleted from the simulator's private folder")
    func privateFolderForgets() async throws {
        let folder = SimulatorFolder(insideImageDirectory: nil)
        defer { folder.remove() }
        let rig = Rig(folder)
        let (oldId, oldFiles) = try await rig.finishedJob()
        #expect(oldFiles.count == 2 && oldFiles.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        try await rig.clock.sleep(ms: 3_600_000)
        let (_, newFiles) = try await rig.finishedJob()
        #expect(oldFiles.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
        #expect(newFiles.count == 2 && newFiles.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        do {
            _ = try await rig.client.taskStatus(logId: oldId)
            Issue.record("a forgotten job still answered")
        } catch {
            guard case .upstream(let code, _) = error.kind else { Issue.record("\(error)"); return }
            #expect(code == 404)
        }
    }

    @Test("an image the simulator cannot write comes inline, never as a link to a file that is not there")
    func unwritableFolder() async throws {
        let folder = SimulatorFolder(insideImageDirectory: nil)
        let root = try #require(folder.path())
        // The folder goes after it was made: every write into it fails.
        try FileManager.default.removeItem(atPath: root)
        let rig = Rig(folder)
        let reply = try await rig.client.submit(["prompt": "fox", "model": "sim-image", "n": 2, "response_format": "url"])
        let logId = try #require(reply.data["logId"]?.stringValue)
        try await rig.clock.sleep(ms: 2_000)
        let images = try await rig.client.taskStatus(logId: logId).data["images"]?.arrayValue ?? []
        #expect(images.count == 2)
        #expect(images.allSatisfy { $0["url"] == nil && $0["b64_json"]?.stringValue?.isEmpty == false })
    }

    @Test("in a user's image directory the images of a forgotten job stay")
    func imageDirectoryKeeps() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-keep-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rig = Rig(SimulatorFolder(insideImageDirectory: dir))
        let (_, oldFiles) = try await rig.finishedJob()
        try await rig.clock.sleep(ms: 3_600_000)
        _ = try await rig.finishedJob()
        #expect(oldFiles.count == 2 && oldFiles.allSatisfy { FileManager.default.fileExists(atPath: $0) })
    }
}
