import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue

/// Writes a finished video job's video and cover into a directory, named from the taskId only.
///
/// The video is streamed to disk (never whole in memory), at most 500 MB, and kept only when its
/// first bytes are an MP4/QuickTime or WebM/Matroska file; the cover is saved as an image is.
package struct VideoSaver: Sendable {
    package static let maxVideoBytes = 500 * 1024 * 1024
    let images: ImageSaver

    package init(images: ImageSaver) { self.images = images }

    /// The absolute paths written: the video's, then the cover's (when the job has one).
    package func save(task: JSONValue, taskId: String, to directory: String, deadlineMs: Int64? = nil,
                     clock: CoreClock = SystemClock()) async throws(CoreError) -> [String] {
        let failure = { (reason: String) in CoreError(.saveFailed(logId: taskId, task: task, reason: reason), logId: taskId) }
        let dir = ImageSaver.absolutePath(directory)
        do {
            try FileBytes.makeDirectories(path: dir)
        } catch {
            throw failure("cannot create the directory \(dir): \(error)")
        }
        guard let text = task["videoUrl"]?.stringValue, let url = URL(string: text) else { throw failure("the job has no videoUrl") }
        let stem = String(taskId.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
            .map(Character.init))
        let name = stem.isEmpty ? "video" : stem
        let sink: FileSink
        do {
            sink = try FileSink(path: dir + "/.\(name).part-\(UInt32.random(in: 0 ... .max))")
        } catch {
            throw failure("cannot write in \(dir): \(error)")
        }
        if let problem = await fetch(url, into: sink, deadlineMs: deadlineMs, clock: clock) {
            sink.discard()
            if Task.isCancelled { throw CoreError(.cancelled(logId: taskId), logId: taskId) }
            throw failure("the video: \(problem)")
        }
        guard let type = VideoType.detect(sink.head) else {
            sink.discard()
            throw failure("the video is not an MP4, QuickTime, WebM or Matroska file")
        }
        let videoPath = dir + "/\(name).\(type.fileExtension)"
        if let why = sink.finish(at: videoPath) { throw failure("cannot write \(videoPath): \(why)") }
        var paths = [videoPath]
        if let cover = task["coverUrl"]?.stringValue {
            let picture: JSONValue = ["images": [["url": .string(cover)]]]
            do throws(CoreError) {
                let saved = try await images.save(task: picture, logId: taskId, to: dir, deadlineMs: deadlineMs, clock: clock)
                if let written = saved[0] {
                    let target = dir + "/\(name)-cover." + (written.split(separator: ".").last.map(String.init) ?? "png")
                    if let why = FileBytes.move(written, to: target) { throw failure("cannot write \(target): \(why)") }
                    paths.append(target)
                }
            } catch {
                if case .saveFailed(_, _, let reason) = error.kind { throw failure("the cover: " + reason.replacingImageWord()) }
                throw error
            }
        }
        return paths
    }

    /// Streams `url` into `sink`; why it failed, or nil.
    private func fetch(_ url: URL, into sink: FileSink, deadlineMs: Int64?, clock: CoreClock) async -> String? {
        switch url.scheme?.lowercased() {
        case "http", "https":
            var timeout = images.requestTimeoutMs
            if let deadlineMs {
                let left = deadlineMs - clock.nowMs
                guard left > 0 else { return "the job's timeoutMs passed before it could be downloaded" }
                // A video is large: the download may take the whole of what is left, not one request's timeout.
                timeout = Int(min(left, Int64(Int32.max)))
            }
            let host = url.host ?? "?"
            let addresses = images.addresses
            if (addresses == .publicOnly && NetworkRanges.isLocal(host: host))
                || (addresses == .notLinkLocal && NetworkRanges.isLinkLocal(host: host)) {
                return "\(host) is on a loopback, private or link-local network, which is refused"
            }
            var request = HTTPRequest(method: "GET", url: url,
                                      headers: [("Accept", "video/*"), ("User-Agent", "aitoearn-rpc/\(ProductVersion.current)")],
                                      timeoutMs: timeout, maxResponseBytes: Self.maxVideoBytes, maxRedirects: ImageSaver.maxRedirects)
            request.addresses = addresses
            if addresses != .any { request.freshConnection = true }
            request.bodySink = { sink.write($0) }
            let response: HTTPResponse
            do {
                response = try await images.transport.send(request)
            } catch {
                if let why = sink.failure { return "writing it failed: \(why)" }
                if case .replyTooLarge = error { return "it is larger than 500 MB" }
                return "download from \(host) failed: \(error.reason)"
            }
            guard (200..<300).contains(response.status) else { return "\(host) answered HTTP \(response.status)" }
            // A transport that ignores the sink (a test's fake) hands the body back whole.
            if sink.written == 0, !response.body.isEmpty {
                guard response.body.withUnsafeBytes({ sink.write($0) }) else { return "writing it failed: \(sink.failure ?? "?")" }
            }
            return nil
        case "file":
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard let root = images.localImages?.existing, path.hasPrefix(root + "/") else { return "file:// URLs from the service are refused" }
            return FileBytes.copy(path: path, limit: Self.maxVideoBytes) { sink.write($0) }
        default:
            return "only http(s) URLs are downloaded, not \(url.scheme ?? "?")://"
        }
    }
}

private extension String {
    /// ImageSaver speaks of "image 1"; for a cover that is the cover itself.
    func replacingImageWord() -> String { hasPrefix("image 1: ") ? String(dropFirst(9)) : self }
}
