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
import Diagnostics
import Testing
import JSONValue
import AiToEarnCoreTestSupport
@testable import AiToEarnCore

private func read(_ params: JSONValue) -> (VideoRequest?, [String: String]) {
    var r = FieldReader(params: params)
    let req = VideoRequest.read(&r)
    r.rejectUnknown()
    return (req, Dictionary(r.issues.map { ($0.path, $0.message) }, uniquingKeysWith: { a, _ in a }))
}

private let models: JSONValue = [[
    "name": "kling", "modes": ["text2video", "image2video", "flf2video"], "resolutions": ["720p", "1080p"],
    "aspectRatios": ["16:9", "9:16"], "durations": [5, 10], "maxInputImages": 2,
    "inputConstraints": ["videos": ["maxCount": 0]],
]]

private func rules(_ params: JSONValue) -> [String: String] {
    let (req, issues) = read(params)
    #expect(issues.isEmpty, "\(issues)")
    guard let req else { return [:] }
    return Dictionary(VideoModelRules.issues(req, models: models).map { ($0.path, $0.message) }, uniquingKeysWith: { a, _ in a })
}

@Suite("Video")
struct VideoTests {
    @Test("the video schedule starts at the interval and backs off to at most max(30 s, interval)")
    func schedule() {
        let s = PollSchedule(intervalMs: 10_000, forVideo: true)
        #expect(s.delayMs(beforePoll: 1, elapsedMs: 0) == 10_000)
        #expect(s.delayMs(beforePoll: 2, elapsedMs: 10_000) == 20_000)
        #expect(s.delayMs(beforePoll: 3, elapsedMs: 30_000) == 30_000)
        #expect(s.delayMs(beforePoll: 50, elapsedMs: 900_000) == 30_000)
        let slow = PollSchedule(intervalMs: 45_000, forVideo: true)
        #expect(slow.delayMs(beforePoll: 9, elapsedMs: 400_000) == 45_000)
        let fast = PollSchedule(intervalMs: 100, forVideo: true)
        #expect(fast.delayMs(beforePoll: 1, elapsedMs: 0) == 100)
        #expect(fast.delayMs(beforePoll: 2, elapsedMs: 100) == 200)
    }

    @Test("the video default interval: 10 s for the service; on the simulator a third of its delay, within 100 ms ... 10 s")
    func defaultInterval() {
        let url = URL(string: "http://127.0.0.1:9")!
        #expect(VideoJobs.defaultPollIntervalMs(Settings(baseURL: url)) == 10_000)
        #expect(VideoJobs.defaultPollIntervalMs(Settings(baseURL: url, simulate: true, simulateDelayMs: 30_000)) == 10_000)
        #expect(VideoJobs.defaultPollIntervalMs(Settings(baseURL: url, simulate: true, simulateDelayMs: 1500)) == 500)
        #expect(VideoJobs.defaultPollIntervalMs(Settings(baseURL: url, simulate: true, simulateDelayMs: 0)) == 100)
        #expect(VideoJobs.defaultPollIntervalMs(Settings(baseURL: url, simulate: true, simulateDelayMs: 600_000)) == 10_000)
    }

    @Test("statuses are compared case-insensitively; only SUCCESS and FAILURE end a job", arguments: [
        ("SUCCESS", VideoJobs.Outcome.succeeded), ("success", .succeeded), ("FAILURE", .failed), ("Failure", .failed),
        ("SUBMITTED", .running), ("InProgress", .running), ("IN_PROGRESS", .running), ("NOT_START", .running),
        ("QUEUED", .running), ("UNKNOWN", .running), ("", .running),
    ])
    func outcome(status: String, expected: VideoJobs.Outcome) {
        #expect(VideoJobs.Outcome(status: status) == expected)
    }

    @Test("the body's schema rules, every one reported")
    func schemaRules() {
        let (req, issues) = read(["prompt": "", "model": "", "duration": "5", "seed": 1.5, "watermark": "no",
                                  "tools": [["type": "code"]], "metadata": [1], "source": "x", "videos": ["ftp://a"],
                                  "video_url": "x", "audios": [3], "image_tail": "https://a/t.png", "modeTypo": "a"])
        #expect(req == nil)
        for key in ["prompt", "model", "duration", "seed", "watermark", "tools[0]", "metadata", "source", "videos[0]",
                    "video_url", "audios[0]", "image_tail", "modeTypo"] {
            #expect(issues[key] != nil, "\(key) not reported: \(issues)")
        }
    }

    @Test("image_tail goes with exactly one first-frame picture")
    func tail() {
        #expect(read(["prompt": "p", "model": "m", "image": "https://a/1.png", "image_tail": "https://a/2.png"]).1.isEmpty)
        #expect(read(["prompt": "p", "model": "m", "image": ["https://a/1.png"], "image_tail": "https://a/2.png"]).1.isEmpty)
        #expect(read(["prompt": "p", "model": "m", "image": ["https://a/1.png", "https://a/3.png"],
                      "image_tail": "https://a/2.png"]).1["image_tail"] != nil)
    }

    @Test("a local picture is read into a data URI; a missing one is named")
    func localFiles() throws {
        let path = FileBytes.temporaryDirectory + "/video-test-\(UUID().uuidString).png"
        let png = PromptPicture.png(prompt: "frame", index: 0, size: 4)
        try png.withUnsafeBytes { try FileBytes.writeAtomically(path: path, $0) }
        defer { unlink(path) }
        let (req, issues) = read(["prompt": "p", "model": "m", "image": .string(path), "images": ["/nonexistent/x.png"]])
        #expect(req == nil)
        #expect(issues["images[0]"] != nil)
        let (ok, _) = read(["prompt": "p", "model": "m", "image": .string(path), "image_tail": .string("file://" + path)])
        #expect(ok?.body["image"]?.stringValue?.hasPrefix("data:image/png;base64,") == true)
        #expect(ok?.imageCount == 2)
    }

    @Test("every rule of the model list is checked, each violation listed")
    func modelRules() {
        #expect(rules(["prompt": "p", "model": "kling", "mode": "image2video", "resolution": "720p", "ratio": "16:9",
                       "duration": 5, "image": "https://a/1.png"]).isEmpty)
        let all = rules(["prompt": "p", "model": "kling", "mode": "video2video", "resolution": "4k", "ratio": "1:1",
                         "duration": 7, "image": ["https://a/1.png", "https://a/2.png"], "images": ["https://a/3.png"],
                         "videos": ["https://a/v.mp4"]])
        #expect(Set(all.keys) == ["mode", "resolution", "ratio", "duration", "image", "videos"])
        #expect(all["duration"]?.contains("5, 10") == true)
        #expect(rules(["prompt": "p", "model": "nope"])["model"]?.contains("\"kling\"") == true)
        #expect(rules(["prompt": "p", "model": "kling", "duration": 10.0]).isEmpty)
    }

    @Test("a video's container is known by its first bytes")
    func videoType() {
        #expect(VideoType.detect([0, 0, 0, 0x18] + Array("ftypisom".utf8)) == .mp4)
        #expect(VideoType.detect([0, 0, 0, 0x14] + Array("ftypqt  ".utf8)) == .quickTime)
        #expect(VideoType.detect([0x1A, 0x45, 0xDF, 0xA3, 0x42, 0x82, 0x84] + Array("webm".utf8)) == .webm)
        #expect(VideoType.detect([0x1A, 0x45, 0xDF, 0xA3, 0x42, 0x82, 0x88] + Array("matroska".utf8)) == .matroska)
        #expect(VideoType.detect(Array("<html><body>".utf8)) == nil)
    }

    @Test("a failed job is its taskId's error, and every message names the taskId to follow")
    func failedJob() async {
        let transport = FakeNetwork(script: [
            .envelope(code: 0, data: models),
            .envelope(code: 0, data: ["id": "0123456789abcdef01234567", "status": "SUBMITTED"]),
            .envelope(code: 0, data: ["id": "0123456789abcdef01234567", "status": "InProgress"]),
            .envelope(code: 0, data: ["id": "0123456789abcdef01234567", "status": "FAILURE", "error": ["message": "no"]]),
        ])
        let clock = VirtualClock()
        let client = makeClient(transport, clock: clock)
        let jobs = VideoJobs(client: client, saver: VideoSaver(images: ImageSaver(transport: transport, localImages: nil,
                                                                                  requestTimeoutMs: 1000, addresses: .any)))
        let request = VideoRequest(body: ["prompt": "p", "model": "kling"], model: "kling")
        do {
            _ = try await jobs.generate(request, JobRun(poll: PollOptions(wait: true, timeoutMs: 600_000, pollIntervalMs: 10_000),
                                        saveTo: nil, startMs: 0) { _ in })
            Issue.record("no error")
        } catch {
            guard case .jobFailed(let id, _) = error.kind else { Issue.record("\(error.kind)"); return }
            #expect(id == "0123456789abcdef01234567")
            #expect(error.video && error.idField == "taskId")
        }
        #expect(clock.sleeps == [10_000, 20_000])
        #expect(transport.requests.filter { $0.method == "POST" }.count == 1)
        let cancelled = CoreError(.cancelled(logId: "0123456789abcdef01234567"), logId: "0123456789abcdef01234567")
        var video = cancelled
        video.video = true
        #expect(video.message.contains("taskId 0123456789abcdef01234567"))
        #expect(cancelled.message.contains("logId 0123456789abcdef01234567"))
    }

    @Test("a bad option is refused before anything is submitted")
    func refusedLocally() async {
        let transport = FakeNetwork(script: [.envelope(code: 0, data: models)])
        let jobs = VideoJobs(client: makeClient(transport), saver: VideoSaver(images: ImageSaver(transport: transport, localImages: nil,
                                                                                                requestTimeoutMs: 1000, addresses: .any)))
        let request = VideoRequest(body: ["prompt": "p", "model": "kling", "mode": "multi-ref"], model: "kling")
        do {
            _ = try await jobs.generate(request, JobRun(poll: PollOptions(wait: true, timeoutMs: 1000, pollIntervalMs: 10), saveTo: nil, startMs: 0) { _ in })
            Issue.record("no error")
        } catch {
            guard case .invalidParams(let issues) = error.kind else { Issue.record("\(error.kind)"); return }
            #expect(issues.map(\.path) == ["mode"])
        }
        #expect(transport.requests.allSatisfy { $0.method == "GET" })
    }
}
