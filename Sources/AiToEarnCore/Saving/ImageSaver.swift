import Diagnostics
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
import JSONValue

/// Writes a finished job's images into a directory: decoded base64 or downloaded http(s) URLs,
/// checked to be images, named from the logId and index only, never outside it.
///
/// What the service sends is not trusted with the user's disk or network: at most 50 MB an image
/// and 200 MB a job, downloads only from hosts the address policy allows, four at a time, all
/// within the job's deadline.
package struct ImageSaver: Sendable {
    package static let maxImageBytes = 50 * 1024 * 1024
    package static let maxJobBytes = 200 * 1024 * 1024
    /// Image hosts may redirect (to a CDN, say), http(s) only and never with the API key.
    package static let maxRedirects = 5
    static let parallelDownloads = 4

    let transport: HTTPTransport
    /// The simulator's image folder: `file://` URLs inside it may be copied; all others are refused.
    let localImages: SimulatorFolder?
    let requestTimeoutMs: Int
    let addresses: AddressPolicy

    package init(transport: HTTPTransport, localImages: SimulatorFolder?, requestTimeoutMs: Int, addresses: AddressPolicy) {
        self.transport = transport
        self.localImages = localImages
        self.requestTimeoutMs = requestTimeoutMs
        self.addresses = addresses
    }

    /// The address policy for image hosts when the API lives at `baseURL`: public hosts only,
    /// unless the service itself is on a loopback or private network (tests, the simulator).
    package static func addressPolicy(forBaseURL baseURL: URL) -> AddressPolicy {
        guard let host = baseURL.host else { return .publicOnly }
        return NetworkRanges.isLocal(host: host) ? .notLinkLocal : .publicOnly
    }

    /// Returns the absolute paths written, by image index. `inlineOnly` saves just the images that
    /// arrived as base64 (URL images stay links). Downloads end by `deadlineMs` on `clock`.
    package func save(task: JSONValue, logId: String, to directory: String, inlineOnly: Bool = false,
                     deadlineMs: Int64? = nil, clock: CoreClock = SystemClock()) async throws(CoreError) -> [Int: String] {
        let failure = { (reason: String) in CoreError(.saveFailed(logId: logId, task: task, reason: reason), logId: logId) }
        let dir = URL(fileURLWithPath: Self.absolutePath(directory), isDirectory: true)
        do {
            try FileBytes.makeDirectories(path: dir.path)
        } catch {
            throw failure("cannot create the directory \(dir.path): \(error)")
        }
        // The job's own n cut the images already (ImageJobs knows the n the caller sent, which the
        // status need not echo); cutting again by the echo would save 1 of 10. The hard cap stays.
        let images = (ImageLimit.apply(to: task, askedFor: Int64(ImageLimit.maxImages))["images"]?.arrayValue ?? []).enumerated()
            .filter { !inlineOnly || $0.element["b64_json"]?.stringValue != nil }
        // Only safe characters from the id reach the file name.
        let stem = String(logId.unicodeScalars.filter { $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0) }.map(Character.init))
        let name = stem.isEmpty ? "image" : stem
        let (fetched, firstFailure) = await withTaskGroup(of: (Int, Result<Fetched, ImageFailure>).self) { group in
            var results: [(Int, Fetched)] = []
            // The failure that stopped the others: theirs then only say "cancelled".
            var first: (Int, ImageFailure)?
            var next = images.makeIterator()
            var received = 0
            func launch() {
                guard let (index, image) = next.next() else { return }
                // Downloads land in a hidden file beside their final name, renamed once checked.
                let partial = "\(dir.path)/.\(name)-\(index + 1).download-\(UInt64.random(in: 0 ... .max))"
                group.addTask { (index, await self.fetch(image, partialPath: partial, deadlineMs: deadlineMs, clock: clock)) }
            }
            for _ in 0..<Self.parallelDownloads { launch() }
            while let (index, result) = await group.next() {
                guard first == nil else {
                    if case .success(let late) = result { late.discard() }
                    continue
                }
                switch result {
                case .success(let d):
                    received += d.size
                    if received > Self.maxJobBytes {
                        d.discard()
                        // No download starts once the job's budget is spent.
                        first = (index, ImageFailure(reason: "the job's images are larger than 200 MB together"))
                        group.cancelAll()
                    } else {
                        results.append((index, d))
                        launch()
                    }
                case .failure(let f):
                    first = (index, f)
                    group.cancelAll()
                }
            }
            return (results.sorted { $0.0 < $1.0 }, first)
        }
        // What is not placed under its final name by the end goes.
        var unplaced = fetched.map(\.1)
        defer { for f in unplaced { f.discard() } }
        // A request cancelled while its images were downloading was cancelled, not a failed save.
        if Task.isCancelled { throw CoreError(.cancelled(logId: logId), logId: logId) }
        if let (index, f) = firstFailure { throw failure("image \(index + 1): \(f.reason)") }
        var paths: [Int: String] = [:]
        // All or nothing: files of a half-saved job would be listed by no answer (and a full disk stays full).
        func writeFailure(_ reason: String) -> CoreError {
            guard !paths.isEmpty else { return failure(reason) }
            for path in paths.values { try? FileManager.default.removeItem(atPath: path) }
            return failure(reason + (paths.count == 1 ? "; the image already written was removed"
                                                      : "; the \(paths.count) images already written were removed"))
        }
        // Within the job's 200 MB already (the downloads stopped at it), and named inside `dir`:
        // `name` is letters and digits only.
        for (index, item) in fetched {
            guard let type = ImageType.detect(item.head) else { throw writeFailure("image \(index + 1) is not a PNG, JPEG, GIF or WebP image") }
            let target = dir.appendingPathComponent("\(name)-\(index + 1).\(type.fileExtension)")
            do {
                try item.place(at: target.path)
            } catch {
                throw writeFailure("cannot write \(target.path): \(error)")
            }
            unplaced.removeFirst()
            paths[index] = target.path
        }
        return paths
    }

    /// One image in hand: its bytes, or a download already on disk beside its final name.
    enum Fetched: Sendable {
        case bytes(Data)
        case file(path: String, size: Int, head: [UInt8])

        var size: Int {
            switch self {
            case .bytes(let d): return d.count
            case .file(_, let size, _): return size
            }
        }

        /// The first bytes, which tell the image type.
        var head: [UInt8] {
            switch self {
            case .bytes(let d): return [UInt8](d.prefix(12))
            case .file(_, _, let head): return head
            }
        }

        /// Puts it at `path`: bytes written atomically, a download renamed (atomic too).
        func place(at path: String) throws(FileError) {
            switch self {
            case .bytes(let d):
                // Data.withUnsafeBytes rethrows untyped: the typed error comes out as a value.
                let failure = d.withUnsafeBytes { raw -> FileError? in
                    do throws(FileError) { try FileBytes.writeAtomically(path: path, raw) } catch { return error }
                    return nil
                }
                if let failure { throw failure }
            case .file(let partial, _, _):
                guard rename(partial, path) == 0 else { throw FileError(description: String(cString: strerror(errno))) }
            }
        }

        /// Removes a download that will not be placed.
        func discard() {
            if case .file(let partial, _, _) = self { unlink(partial) }
        }
    }

    /// Why one image could not be had.
    struct ImageFailure: Error {
        var reason: String
    }

    /// `partialPath`: where a download is written as it arrives (nothing else is written there).
    private func fetch(_ image: JSONValue, partialPath: String, deadlineMs: Int64?, clock: CoreClock) async -> Result<Fetched, ImageFailure> {
        func fail(_ r: String) -> Result<Fetched, ImageFailure> { .failure(ImageFailure(reason: r)) }
        if let b64 = image["b64_json"]?.stringValue {
            guard b64.utf8.count <= ImageSaver.maxImageBytes * 4 / 3 + 4 else { return fail("larger than 50 MB") }
            guard let data = Data(base64Encoded: b64, options: .ignoreUnknownCharacters) else { return fail("b64_json is not valid base64") }
            return .success(.bytes(data))
        }
        guard let url = ImageURL.usable(image), let scheme = url.scheme?.lowercased() else {
            return fail(ImageURL.problem(image) ?? "it has no URL to fetch")
        }
        switch scheme {
        case "http", "https":
            var timeout = requestTimeoutMs
            if let deadlineMs {
                let left = deadlineMs - clock.nowMs
                guard left > 0 else { return fail("the job's timeoutMs passed before it could be downloaded") }
                timeout = Int(min(Int64(timeout), left))
            }
            let host = url.host ?? "?"
            // Checked here as written (a proxy would otherwise decide), and again on every socket.
            if (addresses == .publicOnly && NetworkRanges.isLocal(host: host))
                || (addresses == .notLinkLocal && NetworkRanges.isLinkLocal(host: host)) {
                return fail("\(host) is on a loopback, private or link-local network, which is refused")
            }
            var request = HTTPRequest(method: "GET", url: url,
                                      headers: [("Accept", "image/*"), ("User-Agent", "aitoearn-rpc/\(ProductVersion.current)")],
                                      timeoutMs: timeout, maxResponseBytes: ImageSaver.maxImageBytes,
                                      maxRedirects: ImageSaver.maxRedirects)
            request.addresses = addresses
            // A connection of its own, so the address check runs for it (a pooled one skipped it).
            if addresses != .any { request.freshConnection = true }
            // Streamed to disk: a 50 MB image never sits in memory whole.
            let fd = open(partialPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return fail("cannot write \(partialPath): \(String(cString: strerror(errno)))") }
            request.bodySink = { writeAll(fd: fd, $0) }
            let outcome = await download(request, host: host, into: fd)
            close(fd)
            if case .failure = outcome { unlink(partialPath) }
            return outcome.map { .file(path: partialPath, size: $0.size, head: $0.head) }
        case "file":
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard let root = localImages?.existing, path.hasPrefix(root + "/") else {
                return fail("file:// URLs from the service are refused")
            }
            guard let bytes = FileBytes.read(path: path, limit: ImageSaver.maxImageBytes + 1),
                  bytes.count <= ImageSaver.maxImageBytes else { return fail("cannot read \(path)") }
            return .success(.bytes(Data(bytes)))
        default:
            return fail("only http(s) URLs are downloaded, not \(scheme)://")
        }
    }

    /// Sends a download whose body goes to `fd`; its size and first bytes once it succeeded.
    private func download(_ request: HTTPRequest, host: String, into fd: Int32) async -> Result<(size: Int, head: [UInt8]), ImageFailure> {
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            return .failure(ImageFailure(reason: "download from \(host) failed: \(error.reason)"))
        }
        guard (200..<300).contains(response.status) else { return .failure(ImageFailure(reason: "\(host) answered HTTP \(response.status)")) }
        // A transport that keeps bodies in memory (the simulator's, a test's) hands it back instead.
        if !response.body.isEmpty, !response.body.withUnsafeBytes({ writeAll(fd: fd, $0) }) {
            return .failure(ImageFailure(reason: "cannot write the download from \(host): \(String(cString: strerror(errno)))"))
        }
        let size = Int(lseek(fd, 0, SEEK_END))
        var head = [UInt8](repeating: 0, count: 12)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 12, 0) }
        return .success((size, Array(head.prefix(max(0, n)))))
    }

    /// `path` made absolute against the working directory and cleaned of `.` and `..`, taken as
    /// written: `~` is an ordinary character here (a JSON API has no shell to expand it).
    static func absolutePath(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
