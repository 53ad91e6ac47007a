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

/// A scratch folder for input files, removed by the caller.
private func scratch() -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edit-test-\(getpid())-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

private let png: [UInt8] = PromptPicture.png(prompt: "input", index: 0, size: 4)

private func read(_ params: JSONValue) -> (EditRequest?, [String: String]) {
    var r = FieldReader(params: params)
    let req = EditRequest.read(&r)
    r.rejectUnknown()
    return (req, Dictionary(r.issues.map { ($0.path, $0.message) }, uniquingKeysWith: { a, _ in a }))
}

@Suite("Edit inputs")
struct EditInputTests {
    @Test("each written form is sorted into URL, data URI or local file", arguments: [
        ("https://cdn.example/a.png?x=1", ImageInput.url("https://cdn.example/a.png?x=1")),
        ("HTTP://cdn.example/a.png", ImageInput.url("HTTP://cdn.example/a.png")),
        ("data:image/png;base64,AAAA", ImageInput.dataURI("data:image/png;base64,AAAA")),
        ("/home/me/sky.png", ImageInput.file(path: "/home/me/sky.png")),
        ("file:///home/me/my%20sky.png", ImageInput.file(path: "/home/me/my sky.png")),
        ("file://localhost/tmp/a.png", ImageInput.file(path: "/tmp/a.png")),
    ])
    func forms(text: String, expected: ImageInput) {
        #expect((try? ImageInput.parse(text).get()) == expected)
    }

    @Test("relative paths, other schemes and hosts are refused with a message that says what to do", arguments: [
        ("sky.png", "relative path"), ("~/sky.png", "relative path"), ("../a.png", "relative path"),
        ("ftp://x/y.png", "ftp:"), ("file://nas/share/a.png", "another host"), ("https://", "not a valid"),
        ("http://a b/c.png", "not a valid"), ("", "must not be empty"),
    ])
    func refused(text: String, words: String) {
        guard case .failure(let p) = ImageInput.parse(text) else { Issue.record("accepted \(text)"); return }
        #expect(p.message.contains(words), "\(p.message)")
    }

    /// The canonical form of a data URI, or the refusal's message.
    private func canonical(_ text: String) -> String {
        switch DataURI.canonical(text) {
        case .success(let uri): return uri
        case .failure(let p): return "refused: " + p.message
        }
    }

    @Test("a data URI must decode to a PNG, JPEG or WebP image")
    func dataURIs() {
        let b64 = Data(png).base64EncodedString()
        let expected = "data:image/png;base64," + b64
        #expect(canonical("data:image/png;base64," + b64) == expected)
        #expect(canonical("DATA:IMAGE/PNG;BASE64," + b64) == expected)
        #expect(canonical("data:image/png;base64,@@").contains("not valid base64"))
        #expect(canonical("data:image/gif;base64," + Data("GIF89a".utf8).base64EncodedString()).contains("not a PNG, JPEG or WebP"))
        #expect(canonical("data:text/plain;base64,aGk=").contains("of an image"))
        #expect(canonical("data:image/png," + b64).contains("base64 data URI"))
        #expect(canonical("data:image/png;base64").contains("without a comma"))
    }

    @Test("data URIs are read by the WHATWG rules the service uses, and go out in one canonical form", arguments: [
        // ;base64 counts only as the last parameter: otherwise the body is percent-encoded text.
        ("data:image/png;base64;x=1,", "refused"),
        ("data:image/png;charset=utf-8;base64,", "canonical"),
        // The type is trimmed of spaces first, so the marker still ends it.
        ("data:image/png; BaSe64 ,", "canonical"),
        ("data:image/png;base64x,", "refused"),
        ("data:image/png;  base64,", "canonical"),
        ("  data:image/png;base64,", "refused"),
        ("data: image/png ;base64,", "canonical"),
        // The bytes decide the label: a PNG called SVG (stored as .svg) goes out as image/png.
        ("data:image/svg+xml;base64,", "canonical"),
        ("data:;base64,", "refused"),
    ])
    func whatwgHeaders(prefix: String, outcome: String) {
        let got = canonical(prefix + Data(png).base64EncodedString())
        #expect(got.hasPrefix("refused") == (outcome == "refused"), "\(prefix): \(got.prefix(120))")
        if outcome == "canonical" { #expect(got == "data:image/png;base64," + Data(png).base64EncodedString()) }
    }

    @Test("the body is percent-decoded, then forgiving-base64 decoded (whitespace, no padding)")
    func whatwgBodies() {
        let b64 = Data(png).base64EncodedString()
        let expected = "data:image/png;base64," + b64
        let unpadded = String(b64.drop { _ in false }.reversed().drop { $0 == "=" }.reversed())
        #expect(canonical("data:image/png;base64," + unpadded) == expected)
        let spaced = b64.enumerated().map { $0.offset % 10 == 9 ? "\($0.element)\n " : String($0.element) }.joined()
        #expect(canonical("data:image/png;base64," + spaced) == expected)
        let escaped = b64.map { $0 == "+" ? "%2B" : $0 == "/" ? "%2f" : String($0) }.joined()
        #expect(canonical("data:image/png;base64," + escaped) == expected)
        // One character over a multiple of four can never be base64.
        #expect(canonical("data:image/png;base64," + unpadded + "A").contains("not valid base64") || unpadded.count % 4 != 0)
        #expect(canonical("data:image/png;base64,AAAAA").contains("not valid base64"))
        #expect(canonical("data:image/png;base64,AA=A").contains("not valid base64"))
    }

    @Test("local files are read, typed by their first bytes and sent as data URIs; bad ones are named")
    func files() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sky = dir.appendingPathComponent("sky.png")
        try Data(png).write(to: sky)
        let jpeg = dir.appendingPathComponent("photo")
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]).write(to: jpeg)
        let text = dir.appendingPathComponent("notes.png")
        try Data("hello".utf8).write(to: text)
        let big = dir.appendingPathComponent("big.png")
        _ = FileManager.default.createFile(atPath: big.path, contents: Data(png))
        #expect(truncate(big.path, off_t(ImageInput.maxFileBytes + 1)) == 0)

        let (req, issues) = read(["prompt": "p", "model": "m", "image": [.string(sky.path), .string(jpeg.absoluteString)],
                                  "mask": .string(sky.absoluteString)])
        #expect(issues.isEmpty)
        let sent = "data:image/png;base64," + Data(png).base64EncodedString()
        #expect(req?.body["image"] == [.string(sent), .string("data:image/jpeg;base64," + Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]).base64EncodedString())])
        #expect(req?.body["mask"] == .string(sent))
        #expect(req?.imageCount == 2)
        #expect(req?.inlineBytes == (req?.body["image"]?.arrayValue ?? []).reduce(0) { $0 + ($1.stringValue?.utf8.count ?? 0) } + sent.utf8.count)

        let (_, bad) = read(["prompt": "p", "model": "m", "image": [.string(dir.path), .string(text.path), .string(big.path),
                                                                      .string(dir.appendingPathComponent("none.png").path)]])
        #expect(bad["image[0]"]?.contains("directory") == true)
        #expect(bad["image[1]"]?.contains("not a PNG, JPEG or WebP image") == true)
        #expect(bad["image[2]"]?.contains("11 MB") == true)
        #expect(bad["image[3]"]?.contains("does not exist") == true)
    }

    @Test("a single input stays a string, URLs go as written, n may only be 1, and every rule is reported at once")
    func shapes() {
        let (req, issues) = read(["prompt": "p", "model": "m", "image": "https://x.example/a.png", "n": 1, "size": .null])
        #expect(issues.isEmpty)
        #expect(req?.body == ["prompt": "p", "model": "m", "image": "https://x.example/a.png", "n": 1])
        #expect(req?.inlineBytes == 0)
        let (none, all) = read(["prompt": "", "image": ["rel.png", 4], "n": 2, "mask": "x.png", "quality": "high"])
        #expect(none == nil)
        #expect(Set(all.keys) == ["prompt", "model", "image[0]", "image[1]", "n", "mask", "quality"])
        #expect(read(["prompt": "p", "model": "m", "image": []]).1["image"]?.contains("at least one") == true)
    }

    @Test("inline inputs past the total cap are refused, naming the entry that crosses it, before the file is read")
    func inlineCap() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("eight.png")
        _ = FileManager.default.createFile(atPath: file.path, contents: Data(png))
        #expect(truncate(file.path, 8 * 1024 * 1024) == 0)
        #expect(read(["prompt": "p", "model": "m", "image": .string(file.path)]).1.isEmpty)
        let issues = read(["prompt": "p", "model": "m", "image": [.string(file.path), .string(file.path)]]).1
        #expect(Array(issues.keys) == ["image[1]"])
        #expect(issues["image[1]"]?.contains("15 MB") == true)
    }
}

@Suite("Edit jobs")
struct EditJobTests {
    private let log = "0123456789abcdef01234567"
    private let models: JSONValue = [["name": "one", "maxInputImages": 1], ["name": "many", "maxInputImages": 4]]

    private func request(_ model: String, images: Int) -> EditRequest {
        EditRequest(body: ["prompt": "p", "model": .string(model),
                           "image": .array((0..<images).map { .string("https://x.example/\($0).png") })],
                    model: model, imageCount: images, inlineBytes: 0)
    }

    private func jobs(_ t: HTTPTransport, clock: CoreClock = VirtualClock(), key: String? = "k") -> ImageJobs {
        ImageJobs(client: makeClient(t, clock: clock, key: key), saver: ImageSaver(transport: t, localImages: nil, requestTimeoutMs: 1000, addresses: .any))
    }

    private let options = PollOptions(wait: false, timeoutMs: 60_000, pollIntervalMs: 1000)

    @Test("too many inputs for the model is invalid params before any submission; the list is fetched once")
    func countCheck() async throws {
        let t = FakeNetwork(script: [.envelope(code: 0, data: models)],
                                  fallback: .envelope(code: 0, data: ["logId": .string(log), "status": "generating"]))
        let j = jobs(t)
        for _ in 0..<2 {
            do {
                _ = try await j.edit(request("one", images: 2), JobRun(poll: options, saveTo: nil, startMs: 0, events: { _ in }))
                Issue.record("expected -32602")
            } catch {
                guard case .invalidParams(let issues) = error.kind else { Issue.record("\(error)"); continue }
                #expect(issues == [ValidationIssue("image", "the model \"one\" takes at most 1 input image (its maxInputImages), not 2")])
            }
        }
        _ = try await j.edit(request("many", images: 2), JobRun(poll: options, saveTo: nil, startMs: 0, events: { _ in }))
        #expect(t.requests.map(\.url.path) == [UpstreamAPI.editModels, UpstreamAPI.submitEdit])
        #expect(t.requests[0].header("X-Api-Key") == "k")
    }

    @Test("a list that cannot be fetched skips the check after one attempt; a 12300 makes the next edit read it again")
    func skippedAndRefreshed() async throws {
        let t = FakeNetwork(script: [
            .http(status: 503, body: "<html/>", headers: [:]),
            .envelope(code: 0, data: ["logId": .string(log), "status": "generating"]),
            .envelope(code: 0, data: models),
            .envelope(code: 12300, data: [:]),
            .envelope(code: 0, data: models),
        ])
        let j = jobs(t)
        _ = try await j.edit(request("one", images: 3), JobRun(poll: options, saveTo: nil, startMs: 0, events: { _ in }))
        do {
            _ = try await j.edit(request("new", images: 3), JobRun(poll: options, saveTo: nil, startMs: 0, events: { _ in }))
            Issue.record("expected 12300")
        } catch {
            #expect(error.message.contains("image.models with kind \"edit\""))
        }
        do {
            _ = try await j.edit(request("one", images: 3), JobRun(poll: options, saveTo: nil, startMs: 0, events: { _ in }))
            Issue.record("expected -32602")
        } catch {
            guard case .invalidParams = error.kind else { Issue.record("\(error)"); return }
        }
        #expect(t.requests.map(\.url.path) == [UpstreamAPI.editModels, UpstreamAPI.submitEdit, UpstreamAPI.editModels,
                                               UpstreamAPI.submitEdit, UpstreamAPI.editModels])
    }

    @Test("without a key nothing is sent, the model list included")
    func noKey() async {
        let t = FakeNetwork(script: [])
        do {
            _ = try await jobs(t, key: nil).edit(request("one", images: 1), JobRun(poll: options, saveTo: nil, startMs: 0, events: { _ in }))
            Issue.record("expected noAPIKey")
        } catch {
            guard case .noAPIKey = error.kind else { Issue.record("\(error)"); return }
        }
        #expect(t.count == 0)
    }

    @Test("the polls of an edit job with inline inputs accept replies that large; others keep 8 MB; echoes are shortened")
    func replyLimits() async throws {
        let inline = "data:image/png;base64," + String(repeating: "A", count: 1000)
        let status: JSONValue = ["logId": .string(log), "status": "success", "request": ["prompt": "p", "image": [.string(inline), "https://x/a.png"]],
                                 "images": [["url": "https://x/out.png"]]]
        let t = FakeNetwork(script: [.envelope(code: 0, data: models), .envelope(code: 0, data: ["logId": .string(log), "status": "generating"])],
                                  fallback: .envelope(code: 0, data: status))
        let j = jobs(t)
        var req = request("many", images: 2)
        req.inlineBytes = 3 * 1024 * 1024
        let done = try await j.edit(req, JobRun(poll: PollOptions(wait: true, timeoutMs: 60_000, pollIntervalMs: 10), saveTo: nil,
                                    startMs: 0, events: { _ in }))
        let limit = HTTPRequest.defaultMaxResponseBytes + 3 * 1024 * 1024 + 3 * 1024 * 1024 / 16
        #expect(t.requests.map(\.maxResponseBytes) == [HTTPRequest.defaultMaxResponseBytes, HTTPRequest.defaultMaxResponseBytes, limit])
        #expect(done["request"]?["image"] == ["data:image/png;base64,… (1000 characters not repeated)", "https://x/a.png"])
        _ = try await j.status(logId: log.uppercased(), JobRun(poll: options, saveTo: nil, startMs: 0, events: { _ in }))
        _ = try await j.status(logId: "ffffffffffffffffffffffff", JobRun(poll: options, saveTo: nil, startMs: 0, events: { _ in }))
        #expect(t.requests.suffix(2).map(\.maxResponseBytes) == [limit, HTTPRequest.defaultMaxResponseBytes])
    }

    @Test("shortening leaves URLs, short data URIs and generation jobs alone")
    func shortening() {
        let long = "data:image/webp;base64," + String(repeating: "B", count: 200)
        let task: JSONValue = ["request": ["image": .string(long), "mask": "data:image/png;base64,AAAA", "prompt": "p"]]
        #expect(EchoedInputs.shorten(task) == ["request": ["image": "data:image/webp;base64,… (200 characters not repeated)",
                                                         "mask": "data:image/png;base64,AAAA", "prompt": "p"]])
        let generation: JSONValue = ["request": ["prompt": .string(long)]]
        #expect(EchoedInputs.shorten(generation) == generation)
    }

    @Test("HTTP 413 is request-too-large and never resent; a reply over the limit is not asked for again")
    func tooLarge() async {
        let t = FakeNetwork(script: [.http(status: 413, body: "<html>413 Request Entity Too Large</html>", headers: [:])])
        do {
            _ = try await makeClient(t).submit(["prompt": "p"], kind: .edit)
            Issue.record("expected an error")
        } catch {
            guard case .requestTooLarge(let bytes) = error.kind else { Issue.record("\(error)"); return }
            #expect(bytes == t.requests[0].body?.count)
            #expect(error.message.contains("http(s) URLs"))
        }
        #expect(t.count == 1)
        #expect(t.requests[0].url.path == UpstreamAPI.submitEdit)
        let big = FakeNetwork(script: [.fail(.replyTooLarge(limit: 8 * 1024 * 1024))])
        do {
            _ = try await makeClient(big).taskStatus(logId: log)
            Issue.record("expected an error")
        } catch {
            guard case .replyTooLarge(let limit, let maybeSubmitted) = error.kind else { Issue.record("\(error)"); return }
            #expect(limit == 8 * 1024 * 1024)
            #expect(!maybeSubmitted)
            #expect(error.message.contains("larger than the 8 MB"))
        }
        #expect(big.count == 1)
    }
}
