import JSONValue

/// A method as a type: its name, how its params decode, what it does, how its result encodes.
package protocol RPCMethod: Sendable {
    associatedtype Params: Sendable
    associatedtype Result: Sendable

    static var name: String { get }
    static func decodeParams(_ params: JSONValue?) throws(RPCError) -> Params
    static func encodeResult(_ result: Result) -> JSONValue
    func callAsFunction(_ params: Params, context: RequestContext) async throws -> Result
}

extension RPCMethod where Result == JSONValue {
    package static func encodeResult(_ result: JSONValue) -> JSONValue { result }
}

/// A method with its types erased, as kept in the server's table.
struct RegisteredMethod: Sendable {
    let run: @Sendable (JSONValue?, RequestContext) async throws -> JSONValue

    init<M: RPCMethod>(_ method: M) {
        run = { raw, context in
            let params = try M.decodeParams(raw)
            return M.encodeResult(try await method(params, context: context))
        }
    }
}
