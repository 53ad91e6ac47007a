// The params readers of every JSON-RPC method (module AiToEarnAdapter): image.generate and
// image.edit (ImageRequest, EditRequest, FieldReader, JobOptions, PollRequest), task.status
// video.generate (its pictures left out) and image.models. Properties: no crash; a refusal is -32602 whose data.errors lists
// {path, message} pairs; a known valid params object of each method is accepted; what is
// accepted keeps its own rules (a prompt of 1-4000 UTF-16 units, nulls dropped, a 24-hex logId).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AiToEarnCore
import JSONRPC
import JSONValue

/// The first byte picks the method, the rest is its params as JSON text (not JSON: no params).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParams(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    validInputsAccepted()
    var input = FuzzBytes(data, count)
    let method = input.byte() % 5
    let params = try? JSONParser.parse(input.rest())
    switch method {
    case 0:
        guard let (request, _) = decode(ImageGenerateMethod.self, params) else { return 0 }
        checkPrompt(request.body)
        fuzzCheck(request.body.allSatisfy { ImageRequest.fields.contains($0.key) && $0.value != .null }, "generate body \(request.body)")
    case 1:
        // Local files are read while the params are decoded: only the fixture may be named, so
        // a fuzzer running as root never opens a device or a FIFO of the machine.
        guard namesNoFileButTheFixture(params), let (request, _) = decode(ImageEditMethod.self, params) else { return 0 }
        checkPrompt(request.body)
        fuzzCheck(request.imageCount >= 1 && request.inlineBytes <= EditRequest.maxInlineBytes, "edit of \(request.imageCount) images, \(request.inlineBytes) inline")
    case 2:
        guard let (ref, _) = decode(TaskStatusMethod.self, params) else { return 0 }
        switch ref {
        case .image(let id), .video(let id): fuzzCheck(LogID.isValid(id), "task.status took id \(id.debugDescription)")
        }
    case 3:
        // Pictures are read from disk while video params are decoded: they are left out here, so
        // the fuzzer never opens a file of the machine (image.edit's case covers the reading).
        guard let (request, _) = decode(VideoGenerateMethod.self, withoutPictures(params)) else { return 0 }
        checkPrompt(request.body)
    default:
        do { _ = try ImageModelsMethod.decodeParams(params) } catch { checkRefusal(error, params) }
    }
    return 0
}

private func decode<M: JobMethod>(_: M.Type, _ params: JSONValue?) -> M.Params? {
    do { return try M.decodeParams(params) } catch { checkRefusal(error, params); return nil }
}

private func checkRefusal(_ error: RPCError, _ params: JSONValue?) {
    let what = params.map { String($0.serializedString().prefix(300)) } ?? "no params"
    fuzzCheck(error.code == .invalidParams, "\(what) refused with \(error.code.rawValue)")
    guard let errors = error.data?["errors"]?.arrayValue, !errors.isEmpty else { fuzzFail("\(what) refused with no data.errors: \(error.json)") }
    for e in errors {
        fuzzCheck(e["path"]?.stringValue != nil && !(e["message"]?.stringValue ?? "").isEmpty, "\(what): error entry \(e)")
    }
}

private func checkPrompt(_ body: JSONObject) {
    let prompt = body["prompt"]?.stringValue ?? ""
    fuzzCheck((1...ImageRequest.maxPromptLength).contains(prompt.utf16.count), "a prompt of \(prompt.utf16.count) UTF-16 units was accepted")
}

private func namesNoFileButTheFixture(_ params: JSONValue?) -> Bool {
    var texts: [String] = []
    if let s = params?["mask"]?.stringValue { texts.append(s) }
    switch params?["image"] {
    case .string(let s)?: texts.append(s)
    case .array(let items)?: texts += items.compactMap(\.stringValue)
    default: break
    }
    return texts.allSatisfy { text in
        guard case .success(.file(let path)) = ImageInput.parse(text) else { return true }
        return path == fixture
    }
}

/// A PNG signature in a file of its own: all an edit input needs to pass for an image.
private let fixture: String = {
    let path = fixturePath()
    let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]
    guard let f = fopen(path, "wb") else { fuzzFail("cannot write \(path)") }
    _ = signature.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
    fclose(f)
    // One file per fuzzing process, not one left in /tmp by each.
    atexit { unlink(fixturePath()) }
    return path
}()

private func fixturePath() -> String { "/tmp/aitoearn-fuzz-params-\(getpid()).png" }

/// Checked at the first input: a reader that refuses everything would pass every other property.
private let validInputsChecked: Bool = {
    let png = "data:image/png;base64,iVBORw0KGgoAAAAN"
    func json(_ text: String) -> JSONValue {
        do { return try JSONParser.parse(text) } catch { fuzzFail("bad fixture \(text): \(error)") }
    }
    let generate = json(#"{"prompt":"a red fox","model":"dall-e-3","n":2,"quality":"hd","response_format":"url","size":"1024x1024","style":"vivid","user":"u1","source":"plugin","wait":false,"timeoutMs":1000,"pollIntervalMs":500,"workDoneToken":"t1","saveTo":"/tmp/out"}"#)
    let edit = json(#"{"prompt":"darker sky","model":"gpt-image-1","image":["\#(png)","file://\#(fixture)"],"mask":"\#(fixture)","n":1,"wait":true,"workDoneToken":7}"#)
    let status = json(#"{"logId":"0123456789abcdefABCDEF01","wait":true,"timeoutMs":86400000}"#)
    do {
        let (g, _) = try ImageGenerateMethod.decodeParams(generate)
        fuzzCheck(g.model == "dall-e-3", "generate read model \(g.model)")
        let (e, _) = try ImageEditMethod.decodeParams(edit)
        fuzzCheck(e.imageCount == 2, "edit read \(e.imageCount) images")
        let (s, options) = try TaskStatusMethod.decodeParams(status)
        fuzzCheck(s == .image(logId: "0123456789abcdefABCDEF01") && options.wait == true, "task.status read \(s)")
        fuzzCheck(try ImageModelsMethod.decodeParams(json(#"{"kind":"edit"}"#)) == .edit, "image.models kind")
        fuzzCheck(try ImageModelsMethod.decodeParams(nil) == .generation, "image.models without params")
    } catch {
        fuzzFail("a valid params object was refused: \(error)")
    }
    return true
}()

private func validInputsAccepted() { _ = validInputsChecked }

/// `params` without the members a video job reads from disk.
private func withoutPictures(_ params: JSONValue?) -> JSONValue? {
    guard case .object(let o)? = params else { return params }
    return .object(JSONObject(o.filter { !["image", "image_tail", "images"].contains($0.key) }.map { ($0.key, $0.value) }))
}
