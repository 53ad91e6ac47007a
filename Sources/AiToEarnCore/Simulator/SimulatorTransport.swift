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

/// An in-process stand-in for the AiToEarn API behind the same HTTP seam the real client uses,
/// so `--simulate` runs the real request, envelope, retry and polling code.
///
/// Models, in the order `image.models` lists them:
/// - `sim-image`: always succeeds;
/// - `sim-image-fail`: the job ends `failed`;
/// - `sim-image-broke`: the submission is refused with 12001 (insufficient credits);
/// - any other name: refused with 12300 (invalid model).
/// Edit models (`SimulatedEdit`): `sim-edit` takes up to 4 input images, `sim-edit-single` exactly one;
/// their pictures derive from the prompt and the input bytes.
/// Video models (`SimulatedVideo`): `sim-video` succeeds with a real MP4 and a PNG cover,
/// `sim-video-fail` ends `FAILURE`; a video job is `SUBMITTED` for its first third, then `InProgress`.
/// Jobs stay `generating` for `delayMs`, then end. Unknown logIds answer 404, malformed ones 10002;
/// unknown taskIds 12302. Every model has a price (pretend credits, nothing is charged); a settled
/// image status says what it cost (`points`: the price, 0 after a failure, as the service refunds),
/// and `GET /api/ai/logs` lists the jobs newest first.
/// A reply larger than the request's `maxResponseBytes` is refused as the real client refuses it.
package final class SimulatorTransport: HTTPTransport {
    package static let models = ["sim-image", "sim-image-fail", "sim-image-broke"]
    /// The generation models' price, as the service lists it (a string).
    static let imagePrice = 10

    /// What the table keeps of a job besides its request text: small, and no allocation of its own.
    private struct Job: Sendable {
        var createdMs: Int64
        var createdAt: Date
        var images: Int
        var fails: Bool
        /// For an edit: the worker's reading of the inputs (a seed for the picture, or why it fails).
        var edit: Result<String, SimulatedEdit.WorkerFailure>? = nil
        var video = false
    }

    private let delayMs: Int64
    private let clock: CoreClock
    private let jobs = Locked(SimulatorJobTable<SimulatedLogID, Job>())
    private let counter = Locked<UInt64>(0)
    /// Video jobs whose files are in the folder, oldest first. A video is 300 KB where a picture
    /// is 30: only the newest are kept, and a status that finds its files gone draws them again.
    private let videoFiles = Locked<[String]>([])
    static let keptVideos = 64
    /// Where `url` images are written; `ImageSaver` may copy files from there and nowhere else.
    package let folder: SimulatorFolder

    package init(delayMs: Int, folder: SimulatorFolder, clock: CoreClock = SystemClock()) {
        self.delayMs = Int64(delayMs)
        self.clock = clock
        self.folder = folder
    }

    package func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
        if Task.isCancelled { throw .cancelled }
        let path = request.url.path
        let requestId = request.header("X-Request-Id")
        let reply: (UpstreamCode, JSONValue)
        if request.method == "GET", path == UpstreamAPI.generationModels {
            reply = (.ok, Self.modelList)
        } else if request.method == "GET", path == UpstreamAPI.editModels {
            reply = (.ok, SimulatedEdit.modelList)
        } else if request.method == "GET", path == UpstreamAPI.videoModels {
            reply = (.ok, SimulatedVideo.modelList)
        } else if (request.header("X-Api-Key") ?? "").isEmpty {
            reply = (.unauthorized, .object([:]))
        } else if request.method == "POST", path == UpstreamAPI.submitGeneration {
            reply = submit(request.body ?? Data())
        } else if request.method == "POST", path == UpstreamAPI.submitEdit {
            reply = submitEdit(request.body ?? Data())
        } else if request.method == "POST", path == UpstreamAPI.submitVideo {
            reply = submitVideo(request.body ?? Data())
        } else if request.method == "GET", path.hasPrefix(UpstreamAPI.videoTaskPrefix) {
            reply = videoStatus(String(path.dropFirst(UpstreamAPI.videoTaskPrefix.count)))
        } else if request.method == "GET", path.hasPrefix(UpstreamAPI.taskPrefix) {
            reply = status(String(path.dropFirst(UpstreamAPI.taskPrefix.count)))
        } else if request.method == "GET", path == UpstreamAPI.jobLogs {
            reply = logs(query: URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems ?? [])
        } else {
            reply = (.taskNotFound, .object([:]))
        }
        var env: JSONObject = ["code": .integer(Int64(reply.0.rawValue)), "message": .string(reply.0.serviceMessage), "data": reply.1]
        if let requestId { env["requestId"] = .string(requestId) }
        let body = Data(JSONValue.object(env).serialized())
        if body.count > request.maxResponseBytes { throw .replyTooLarge(limit: request.maxResponseBytes) }
        return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: body)
    }

    private static let modelList: JSONValue = .array(models.map { name in
        let summary = name == "sim-image" ? "Always succeeds." : name == "sim-image-fail" ? "The job always ends failed." : "Always refused: insufficient credits (12001)."
        return .object(["name": .string(name), "description": .string("Offline simulator model. " + summary),
                        "tags": ["simulator"], "sizes": ["1024x1024", "512x512"], "qualities": ["standard"], "styles": ["vivid"],
                        "pricing": .string(String(imagePrice))])
    })

    private func submit(_ body: Data) -> (UpstreamCode, JSONValue) {
        guard let value = try? JSONParser.parse(body) else { return (.validationFailed, .object([:])) }
        var reader = FieldReader(params: value)
        guard let req = ImageRequest.read(&reader), reader.issues.isEmpty else { return (.validationFailed, .object([:])) }
        switch req.model {
        case "sim-image", "sim-image-fail": break
        case "sim-image-broke": return (.insufficientCredits, .object([:]))
        default: return (.invalidModel, .object([:]))
        }
        return accept(req.body, fails: req.model == "sim-image-fail")
    }

    private func submitEdit(_ body: Data) -> (UpstreamCode, JSONValue) {
        guard case .object(let o)? = try? JSONParser.parse(body) else { return (.validationFailed, .object([:])) }
        if let refusal = SimulatedEdit.check(o) { return (refusal, .object([:])) }
        let request = SimulatedEdit.kept(o)
        return accept(request, fails: false, edit: SimulatedEdit.work(request))
    }

    private func submitVideo(_ body: Data) -> (UpstreamCode, JSONValue) {
        guard let value = try? JSONParser.parse(body), case .object(var o) = value else { return (.badRequest, .object([:])) }
        if let refusal = SimulatedVideo.check(value) { return (refusal, .object([:])) }
        for key in o.keys where !VideoRequest.fields.contains(key) { o[key] = nil }
        let id = newJob(o, fails: o["model"]?.stringValue == SimulatedVideo.failing, video: true)
        return (.ok, .object(["id": .string(id), "status": "SUBMITTED"]))
    }

    private func accept(_ request: JSONObject, fails: Bool, edit: Result<String, SimulatedEdit.WorkerFailure>? = nil) -> (UpstreamCode, JSONValue) {
        (.ok, .object(["logId": .string(newJob(request, fails: fails, edit: edit)), "status": "generating"]))
    }

    /// Adds a job to the table; its id.
    private func newJob(_ request: JSONObject, fails: Bool, edit: Result<String, SimulatedEdit.WorkerFailure>? = nil, video: Bool = false) -> String {
        let n = counter.withLock { c -> UInt64 in c += 1; return c }
        // One wall-clock reading for the job: its id's seconds (as the service's ObjectIds have) and its timestamps.
        let createdAt = Date()
        let id = SimulatedLogID(high: UInt32(truncatingIfNeeded: Int64(createdAt.timeIntervalSince1970)), low: n &* 0x9E37_79B9 ^ UInt64(getpid()))
        let now = clock.nowMs
        let job = Job(createdMs: now, createdAt: createdAt, images: video ? 0 : Int(request["n"]?.integerValue ?? 1), fails: fails, edit: edit,
                      video: video)
        let text = JSONValue.object(request).serialized()
        let forgotten = jobs.withLock { $0.insert(job, id: id, text: text, endsMs: now + delayMs, nowMs: now) }
        // A forgotten job's files go with it: a process that runs for days keeps a bounded folder.
        if !forgotten.isEmpty {
            folder.discard(forgotten.flatMap { f in
                f.job.video ? Self.videoFileNames(f.id.text) : (0..<f.job.images).map { Self.fileName(f.id.text, $0) }
            })
        }
        return id.text
    }

    private func videoStatus(_ taskId: String) -> (UpstreamCode, JSONValue) {
        guard LogID.isValid(taskId) else { return (.validationFailed, .object([:])) }
        guard let id = SimulatedLogID(taskId), let (job, text) = jobs.withLock({ $0[id] }), job.video else { return (.invalidTaskId, .object([:])) }
        let elapsed = clock.nowMs - job.createdMs
        let request = (try? JSONParser.parse(text))?.objectValue ?? [:]
        let createdAt = Timestamp.string(job.createdAt)
        var input: JSONObject = [:]
        for (from, to) in [("prompt", "prompt"), ("image", "image"), ("images", "images"), ("duration", "duration"),
                           ("ratio", "aspectRatio"), ("resolution", "resolution")] {
            if let v = request[from] { input[to] = v }
        }
        var task: JSONObject = ["id": .string(taskId), "model": request["model"] ?? .null, "status": "SUBMITTED", "input": .object(input),
                                "videoUrl": .null, "coverUrl": .null, "submittedAt": .string(createdAt), "startedAt": .string(createdAt)]
        guard elapsed >= delayMs else {
            // As on the service: the provider picks the job up some time after it was submitted.
            if elapsed * 3 >= delayMs { task["status"] = "InProgress" }
            return (.ok, .object(task))
        }
        task["finishedAt"] = .string(Timestamp.string(job.createdAt.addingTimeInterval(Double(delayMs) / 1000)))
        if job.fails {
            task["status"] = "FAILURE"
            task["error"] = ["message": "Simulated failure (model sim-video-fail)."]
            return (.ok, .object(task))
        }
        guard let root = folder.path() else {
            task["status"] = "FAILURE"
            task["error"] = ["message": "The simulator has no folder to write the video to."]
            return (.ok, .object(task))
        }
        let prompt = request["prompt"]?.stringValue ?? ""
        let names = Self.videoFileNames(taskId)
        let video = URL(fileURLWithPath: root).appendingPathComponent(names[0])
        let cover = URL(fileURLWithPath: root).appendingPathComponent(names[1])
        if !FileManager.default.fileExists(atPath: video.path) {
            let bytes = SimulatedVideo.movie(prompt: prompt, ratio: request["ratio"]?.stringValue,
                                             duration: request["duration"].flatMap(VideoRequest.number))
            do {
                try Data(bytes).write(to: video, options: .atomic)
                try Data(PromptPicture.png(prompt: prompt, index: 0)).write(to: cover, options: .atomic)
            } catch {
                // A link to a file that is not there would fail the caller's save with a riddle.
                try? FileManager.default.removeItem(at: video)
                task["status"] = "FAILURE"
                task["error"] = ["message": .string("The simulator could not write the video to \(root): \(error)")]
                return (.ok, .object(task))
            }
            let dropped = videoFiles.withLock { kept -> [String] in
                kept.append(taskId)
                guard kept.count > Self.keptVideos else { return [] }
                let old = Array(kept.prefix(kept.count - Self.keptVideos))
                kept.removeFirst(old.count)
                return old
            }
            if !dropped.isEmpty { folder.discard(dropped.flatMap(Self.videoFileNames)) }
        }
        task["status"] = "SUCCESS"
        task["videoUrl"] = .string(video.absoluteString)
        task["coverUrl"] = .string(cover.absoluteString)
        task["mediaId"] = .null
        return (.ok, .object(task))
    }

    private static func videoFileNames(_ taskId: String) -> [String] { ["\(taskId).mp4", "\(taskId)-cover.png"] }

    private func status(_ logId: String) -> (UpstreamCode, JSONValue) {
        guard LogID.isValid(logId) else { return (.validationFailed, .object([:])) }
        // Looked up under the lock: a copy of the table taken out would make the next insert copy it.
        guard let id = SimulatedLogID(logId), let (job, text) = jobs.withLock({ $0[id] }), !job.video else {
            return (.taskNotFound, .object([:]))
        }
        let elapsed = clock.nowMs - job.createdMs
        let request = (try? JSONParser.parse(text))?.objectValue ?? [:]
        let createdAt = Timestamp.string(job.createdAt)
        var task: JSONObject = ["logId": .string(logId), "status": "generating", "startedAt": .string(createdAt),
                                "request": .object(request), "createdAt": .string(createdAt),
                                "updatedAt": .string(Timestamp.now())]
        guard elapsed >= delayMs else { return (.ok, .object(task)) }
        task["duration"] = .integer(delayMs)
        // What the job cost once it settled: refunded (0) when it failed.
        task["points"] = 0
        if job.fails {
            task["status"] = "failed"
            task["errorMessage"] = "Simulated failure (model sim-image-fail)."
            return (.ok, .object(task))
        }
        let prompt = request["prompt"]?.stringValue ?? ""
        var seed = ""
        switch job.edit {
        case .failure(let f)?:
            task["status"] = "failed"
            task["errorMessage"] = .string(f.message)
            return (.ok, .object(task))
        case .success(let inputs)?:
            // The same prompt over other pictures makes another picture.
            seed = "\u{1}" + inputs
        case nil:
            break
        }
        task["status"] = "success"
        task["points"] = .integer(Int64(job.edit == nil ? Self.imagePrice : SimulatedEdit.price))
        let count = job.images
        let asBase64 = request["response_format"]?.stringValue == "b64_json"
        task["images"] = .array((0..<count).map { i in image(prompt: prompt, seed: seed, logId: logId, index: i, base64: asBase64) })
        return (.ok, .object(task))
    }

    /// `GET /api/ai/logs`: the jobs of a `type` (image by default), `status` and `model`, newest
    /// first, one page (`page` from 1, `pageSize` 1..1000, default 10) as the service pages them.
    private func logs(query: [URLQueryItem]) -> (UpstreamCode, JSONValue) {
        var q: [String: String] = [:]
        for item in query { q[item.name] = item.value ?? "" }
        let page = Int(q["page"] ?? "1") ?? 0, pageSize = Int(q["pageSize"] ?? "10") ?? 0
        guard page >= 1, (1...1000).contains(pageSize) else { return (.badRequest, .object([:])) }
        let now = clock.nowMs
        let rows: [JSONValue] = jobs.withLock { $0.newestFirst() }.compactMap { id, job, text in
            let request = (try? JSONParser.parse(text))?.objectValue ?? [:]
            let type = job.video ? "video" : "image"
            let failed: Bool = { if job.fails { return true }; if case .failure? = job.edit { return true }; return false }()
            let status = now - job.createdMs < delayMs ? "generating" : failed ? "failed" : "success"
            let model = request["model"]?.stringValue ?? ""
            if (q["type"] ?? "image") != type || q["status"].map({ $0 != status }) == true || q["model"].map({ $0 != model }) == true { return nil }
            let created = Timestamp.string(job.createdAt)
            var row: JSONObject = ["id": .string(id.text), "type": .string(type), "model": .string(model), "channel": "simulator",
                                   "action": .string(job.video ? "video" : job.edit == nil ? "generation" : "edit"),
                                   "status": .string(status), "startedAt": .string(created), "createdAt": .string(created),
                                   "updatedAt": .string(created), "userId": "simulator", "userType": "user"]
            if job.video { row["taskId"] = .string(id.text) }
            return .object(row)
        }
        let start = min(rows.count, (page - 1) * pageSize)
        return (.ok, .object(["page": .integer(Int64(page)), "pageSize": .integer(Int64(pageSize)),
                              "totalPages": .integer(Int64((rows.count + pageSize - 1) / pageSize)), "total": .integer(Int64(rows.count)),
                              "list": .array(Array(rows[start..<min(rows.count, start + pageSize)]))]))
    }

    private func image(prompt: String, seed: String, logId: String, index: Int, base64: Bool) -> JSONValue {
        let png = PromptPicture.png(prompt: prompt + seed, index: index)
        // Encoded only when it is the answer: most images are links to files.
        func inline() -> JSONValue { .object(["b64_json": .string(Data(png).base64EncodedString()), "revised_prompt": .string(prompt)]) }
        // No folder to write to, or a file that could not be written: the image comes inline
        // instead of as a dead link.
        guard !base64, let root = folder.path() else { return inline() }
        let file = URL(fileURLWithPath: root).appendingPathComponent(Self.fileName(logId, index))
        if !FileManager.default.fileExists(atPath: file.path) {
            guard (try? Data(png).write(to: file, options: .atomic)) != nil else { return inline() }
            PrivateFolder.makePrivate(file: file.path)
        }
        return .object(["url": .string(file.absoluteString), "revised_prompt": .string(prompt)])
    }

    private static func fileName(_ logId: String, _ index: Int) -> String { "\(logId)-\(index + 1).png" }

}
