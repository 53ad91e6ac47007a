// The 2026-07-28 per-request `_meta` reader (module AiToEarnAdapter): MCPRequestMeta.violation
// and init. Properties: no crash; `violation` is nil exactly when _meta is an object with a
// string protocol version, an object of client capabilities and, if any, a known log level;
// a violation is -32602 naming a path under _meta; what `init` reads of an accepted _meta is
// what the request says.
import JSONRPC
import JSONValue

/// The input is the request's params as JSON text (not JSON: a request without params).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMeta(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    let params = try? JSONParser.parse(bytes)
    let meta = params?["_meta"]
    let holds: Bool = {
        guard case .object? = meta, meta?[MCP2026.versionKey]?.stringValue != nil,
              case .object? = meta?[MCP2026.capabilitiesKey] else { return false }
        guard let level = meta?[MCP2026.logLevelKey] else { return true }
        return level.stringValue.map(MCPState.logLevels.contains) ?? false
    }()
    let violation = MCPRequestMeta.violation(params)
    let what = params.map { String($0.serializedString().prefix(300)) } ?? "no params"
    if let violation {
        fuzzCheck(!holds, "\(what) refused: \(violation.message)")
        fuzzCheck(violation.code == .invalidParams, "\(what): code \(violation.code.rawValue)")
        let path = violation.data?["errors"]?.arrayValue?.first?["path"]?.stringValue ?? ""
        fuzzCheck(path.hasPrefix("_meta"), "\(what): path \(path.debugDescription)")
    } else {
        fuzzCheck(holds, "\(what) accepted")
        let read = MCPRequestMeta(params)
        fuzzCheck(read.version == meta?[MCP2026.versionKey]?.stringValue, "\(what): version \(String(describing: read.version))")
        fuzzCheck(read.capabilities == meta?[MCP2026.capabilitiesKey], "\(what): capabilities \(read.capabilities)")
        fuzzCheck(read.logLevel == meta?[MCP2026.logLevelKey]?.stringValue, "\(what): logLevel \(String(describing: read.logLevel))")
        fuzzCheck(read.progressToken == meta?["progressToken"], "\(what): progressToken")
        fuzzCheck(read.acceptsTasks == (meta?[MCP2026.capabilitiesKey]?["extensions"]?[MCP2026.tasksExtension] != nil), "\(what): acceptsTasks")
    }
    return 0
}
