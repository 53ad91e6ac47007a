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

/// The boxes at the top level of an MP4, or inside a box's body: (type, body).
private func boxes(_ b: ArraySlice<UInt8>) -> [(String, ArraySlice<UInt8>)] {
    var out: [(String, ArraySlice<UInt8>)] = []
    var i = b.startIndex
    while i + 8 <= b.endIndex {
        let size = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
        guard size >= 8, i + size <= b.endIndex else { break }
        out.append((String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self), b[(i + 8)..<(i + size)]))
        i += size
    }
    return out
}

@Suite("Simulated video")
struct SimulatedVideoTests {
    @Test("Exp-Golomb codes are written as the standard spells them")
    func expGolomb() {
        var b = H264PCMEncoder.BitWriter()
        b.ue(0); b.ue(1); b.ue(2); b.ue(3); b.se(-1); b.se(1)
        // 1 010 011 00100 011 010, then the stop bit and padding.
        #expect(b.trailing() == [0b1010_0110, 0b0100_0110, 0b1010_0000])
    }

    @Test("no start code can appear inside a NAL unit: zero runs get emulation prevention bytes")
    func emulationPrevention() {
        let black = H264PCMEncoder.picture(width: 16, height: 16) { _, _ in (0, 0, 0) }
        let nal = H264PCMEncoder.slice(black, idrPicId: 0)
        for i in 0..<(nal.count - 2) { #expect(!(nal[i] == 0 && nal[i + 1] == 0 && nal[i + 2] <= 3)) }
        // PCM samples are kept within 1...254, so the luma of black is the legal 16, never 0.
        #expect(black.luma.allSatisfy { $0 == 16 })
    }

    @Test("the MP4 is ftyp, moov, mdat; its sample table counts every frame; frames differ")
    func container() {
        let movie = SimulatedVideo.movie(prompt: "a red fox running", ratio: "9:16", duration: 5)
        let top = boxes(movie[...])
        #expect(top.map(\.0) == ["ftyp", "moov", "mdat"])
        #expect(VideoType.detect(Array(movie.prefix(16))) == .mp4)
        let moov = top[1].1
        let trak = boxes(moov).first { $0.0 == "trak" }!.1
        let mdia = boxes(trak).first { $0.0 == "mdia" }!.1
        let minf = boxes(mdia).first { $0.0 == "minf" }!.1
        let stbl = boxes(minf).first { $0.0 == "stbl" }!.1
        let stsz = boxes(stbl).first { $0.0 == "stsz" }!.1
        let count = stsz.dropFirst(8).prefix(4).reduce(0) { $0 << 8 | Int($1) }
        #expect(count == 5 * SimulatedVideo.framesPerSecond)
        let sizes = (0..<count).map { i in stsz.dropFirst(12 + 4 * i).prefix(4).reduce(0) { $0 << 8 | Int($1) } }
        #expect(sizes.reduce(0, +) == top[2].1.count)
        var samples: [ArraySlice<UInt8>] = []
        var at = top[2].1.startIndex
        for s in sizes { samples.append(top[2].1[at..<(at + s)]); at += s }
        #expect(Set(samples.map { Array($0.dropFirst(8)) }).count == count)
        let (w, h) = SimulatedVideo.size(ratio: "9:16")
        #expect(w < h)
    }

    @Test("a simulated video job moves SUBMITTED, InProgress, SUCCESS and is saved as an MP4 and a PNG")
    func job() async throws {
        let clock = VirtualClock()
        let folder = SimulatorFolder(insideImageDirectory: nil)
        defer { folder.remove() }
        let sim = SimulatorTransport(delayMs: 3000, folder: folder, clock: clock)
        let client = makeClient(sim, clock: clock)
        let jobs = VideoJobs(client: client, saver: VideoSaver(images: ImageSaver(transport: sim, localImages: folder,
                                                                                  requestTimeoutMs: 1000, addresses: .any)))
        let dir = FileBytes.temporaryDirectory + "/sim-video-test-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let statuses = Locked<[String]>([])
        let done = try await jobs.generate(VideoRequest(body: ["prompt": "fox", "model": "sim-video"], model: "sim-video"),
                                           JobRun(poll: PollOptions(wait: true, timeoutMs: 60_000, pollIntervalMs: 500), saveTo: dir,
                                                  startMs: 0) { e in
            if case .polled(_, let s, _, _, true) = e { statuses.withLock { $0.append(s) } }
        })
        #expect(done["status"] == "SUCCESS")
        #expect(statuses.current.first == "SUBMITTED" && statuses.current.contains("InProgress") && statuses.current.last == "SUCCESS")
        let saved = done["saved"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(saved.count == 2 && saved[0].hasSuffix(".mp4") && saved[1].hasSuffix("-cover.png"))
        #expect(VideoType.detect(Array((FileBytes.read(path: saved[0], limit: 16) ?? []))) == .mp4)
        do {
            _ = try await jobs.generate(VideoRequest(body: ["prompt": "fox", "model": "sim-video-fail"], model: "sim-video-fail"),
                                        JobRun(poll: PollOptions(wait: true, timeoutMs: 60_000, pollIntervalMs: 500), saveTo: nil, startMs: 0) { _ in })
            Issue.record("expected a failure")
        } catch {
            guard case .jobFailed(_, let task) = error.kind else { Issue.record("\(error.kind)"); return }
            #expect(task["status"] == "FAILURE")
        }
        do {
            _ = try await client.videoStatus(taskId: "0123456789abcdef01234567")
            Issue.record("expected 12302")
        } catch {
            guard case .upstream(let code, _) = error.kind else { Issue.record("\(error.kind)"); return }
            #expect(code == 12302)
        }
    }
}

@Suite("Simulated video files")
struct SimulatedVideoFileTests {
    @Test("the private folder keeps the newest videos only; a status whose files went draws them again")
    func bounded() async throws {
        let folder = SimulatorFolder(insideImageDirectory: nil)
        defer { folder.remove() }
        let sim = SimulatorTransport(delayMs: 0, folder: folder, clock: VirtualClock())
        let client = makeClient(sim)
        var ids: [String] = []
        for i in 0..<(SimulatorTransport.keptVideos + 6) {
            let submitted = try await client.submitVideo(["prompt": .string("boat \(i)"), "model": "sim-video", "duration": 5]).data
            let id = submitted["id"]?.stringValue ?? ""
            ids.append(id)
            #expect(try await client.videoStatus(taskId: id).data["status"] == "SUCCESS")
        }
        let root = try #require(folder.existing)
        let videos = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasSuffix(".mp4") }
        #expect(videos.count == SimulatorTransport.keptVideos)
        #expect(!videos.contains(ids[0] + ".mp4"))
        let again = try await client.videoStatus(taskId: ids[0]).data
        let url = try #require(again["videoUrl"]?.stringValue.flatMap(URL.init(string:)))
        #expect(FileManager.default.fileExists(atPath: url.path))
    }

    @Test("a video the simulator cannot write ends FAILURE saying why, never SUCCESS with a link to nothing")
    func unwritableFolder() async throws {
        let folder = SimulatorFolder(insideImageDirectory: nil)
        let root = try #require(folder.path())
        try FileManager.default.removeItem(atPath: root)
        let client = makeClient(SimulatorTransport(delayMs: 0, folder: folder, clock: VirtualClock()))
        let id = try await client.submitVideo(["prompt": "boat", "model": "sim-video", "duration": 5]).data["id"]?.stringValue ?? ""
        let task = try await client.videoStatus(taskId: id).data
        #expect(task["status"] == "FAILURE")
        #expect(task["videoUrl"] == .null)
        #expect(task["error"]?["message"]?.stringValue?.hasPrefix("The simulator could not write the video") == true)
    }
}
