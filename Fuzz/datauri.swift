// The data: URI reader of edit inputs (module AiToEarnCore). Properties: no crash; an accepted
// URI's canonical form is data:image/<type>;base64,<padded base64>, is accepted again, and is
// its own canonical form.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDataURI(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzBytes(data, count)
    let text = String(decoding: input.rest(), as: UTF8.self)
    guard case .success(let canonical) = DataURI.canonical(text) else { return 0 }
    fuzzCheck(canonical.hasPrefix("data:image/"), "\(text.debugDescription) became \(canonical.debugDescription)")
    switch DataURI.canonical(canonical) {
    case .success(let again):
        fuzzCheck(again == canonical, "the canonical \(canonical.debugDescription) became \(again.debugDescription)")
    case .failure(let problem):
        fuzzFail("the canonical form \(canonical.debugDescription) of \(text.debugDescription) is refused: \(problem.message)")
    }
    return 0
}
