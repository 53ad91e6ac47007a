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
/// Jobs stay `generating` for `delayMs`, then end. Unknown logIds answer 404, malformed ones 10002.
/// A reply larger than the request's `maxResponseBytes` is refused as the real client refuses it.
public final class SimulatorTransport: HTTPTransport {
    public static let models = ["sim-image", "sim-image-fail", "sim-image-broke"]

    /// What the table keeps of a job besides its request text: small, and no allocation of its own.
    private struct Job: Sendable {
        var createdMs: Int64
        var createdAt: Date
        var images: Int
        var fails: Bool
        /// For an edit: the worker's reading of the inputs (a seed for the picture, or why it fails).
        var edit: Result<String, SimulatedEdit.WorkerFailure>? = nil
    }

    private let delayMs: Int64
    private let clock: CoreClock
    private let jobs = Locked(SimulatorJobTable<SimulatedLogID, Job>())
    private let counter = Locked<UInt64>(0)
    /// Where `url` images are written; `ImageSaver` may copy files from there and nowhere else.
    public let folder: SimulatorFolder

    public init(delayMs: Int, folder: SimulatorFolder, clock: CoreClock = SystemClock()) {
        self.delayMs = Int64(delayMs)
        self.clock = clock
        self.folder = folder
    }

    public func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
        if Task.isCancelled { throw .cancelled }
        let path = request.url.path
        let requestId = request.header("X-Request-Id")
        let reply: (UpstreamCode, JSONValue)
        if request.method == "GET", path == UpstreamAPI.generationModels {
            reply = (.ok, Self.modelList)
        } else if request.method == "GET", path == UpstreamAPI.editModels {
            reply = (.ok, SimulatedEdit.modelList)
        } else if (request.header("X-Api-Key") ?? "").isEmpty {
            reply = (.unauthorized, .object([:]))
        } else if request.method == "POST", path == UpstreamAPI.submitGeneration {
            reply = submit(request.body ?? Data())
        } else if request.method == "POST", path == UpstreamAPI.submitEdit {
            reply = submitEdit(request.body ?? Data())
        } else if request.method == "GET", path.hasPrefix(UpstreamAPI.taskPrefix) {
            reply = status(String(path.dropFirst(UpstreamAPI.taskPrefix.count)))
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
                        "tags": ["simulator"], "sizes": ["1024x1024", "512x512"], "qualities": ["standard"], "styles": ["vivid"]])
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

    private func accept(_ request: JSONObject, fails: Bool, edit: Result<String, SimulatedEdit.WorkerFailure>? = nil) -> (UpstreamCode, JSONValue) {
        let n = counter.withLock { c -> UInt64 in c += 1; return c }
        let id = SimulatedLogID(high: UInt32(truncatingIfNeeded: time(nil)), low: n &* 0x9E37_79B9 ^ UInt64(getpid()))
        let now = clock.nowMs
        let job = Job(createdMs: now, createdAt: Date(), images: Int(request["n"]?.integerValue ?? 1), fails: fails, edit: edit)
        let text = JSONValue.object(request).serialized()
        let forgotten = jobs.withLock { $0.insert(job, id: id, text: text, endsMs: now + delayMs, nowMs: now) }
        // A forgotten job's images go with it: a process that runs for days keeps a bounded folder.
        if !forgotten.isEmpty {
            folder.discard(forgotten.flatMap { f in (0..<f.job.images).map { Self.fileName(f.id.text, $0) } })
        }
        return (.ok, .object(["logId": .string(id.text), "status": "generating"]))
    }

    private func status(_ logId: String) -> (UpstreamCode, JSONValue) {
        guard LogID.isValid(logId) else { return (.validationFailed, .object([:])) }
        // Looked up under the lock: a copy of the table taken out would make the next insert copy it.
        guard let id = SimulatedLogID(logId), let (job, text) = jobs.withLock({ $0[id] }) else { return (.taskNotFound, .object([:])) }
        let elapsed = clock.nowMs - job.createdMs
        let request = (try? JSONParser.parse(text))?.objectValue ?? [:]
        let createdAt = Timestamp.string(job.createdAt)
        var task: JSONObject = ["logId": .string(logId), "status": "generating", "startedAt": .string(createdAt),
                                "request": .object(request), "createdAt": .string(createdAt),
                                "updatedAt": .string(Timestamp.now())]
        guard elapsed >= delayMs else { return (.ok, .object(task)) }
        task["duration"] = .integer(delayMs)
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
        let count = job.images
        let asBase64 = request["response_format"]?.stringValue == "b64_json"
        task["images"] = .array((0..<count).map { i in image(prompt: prompt, seed: seed, logId: logId, index: i, base64: asBase64) })
        return (.ok, .object(task))
    }

    private func image(prompt: String, seed: String, logId: String, index: Int, base64: Bool) -> JSONValue {
        let png = PromptPicture.png(prompt: prompt + seed, index: index)
        if base64 {
            return .object(["b64_json": .string(Data(png).base64EncodedString()), "revised_prompt": .string(prompt)])
        }
        guard let root = folder.path() else {
            // No folder to write to: the image comes inline instead of as a dead link.
            return .object(["b64_json": .string(Data(png).base64EncodedString()), "revised_prompt": .string(prompt)])
        }
        let file = URL(fileURLWithPath: root).appendingPathComponent(Self.fileName(logId, index))
        if !FileManager.default.fileExists(atPath: file.path), (try? Data(png).write(to: file, options: .atomic)) != nil {
            PrivateFolder.makePrivate(file: file.path)
        }
        return .object(["url": .string(file.absoluteString), "revised_prompt": .string(prompt)])
    }

    private static func fileName(_ logId: String, _ index: Int) -> String { "\(logId)-\(index + 1).png" }

}
