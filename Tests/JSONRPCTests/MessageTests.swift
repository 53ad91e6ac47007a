import Testing
import JSONValue
@testable import JSONRPC
import JSONRPCTestSupport

@Suite("Message classification")
struct MessageTests {
    private func classify(_ text: String) throws -> IncomingMessage { IncomingMessage(try JSONParser.parse(text)) }

    @Test("requests, notifications and responses are told apart by shape")
    func shapes() throws {
        #expect(try classify(#"{"jsonrpc":"2.0","id":"7","method":"m"}"#) == .request(id: "7", method: "m", params: nil))
        #expect(try classify(#"{"jsonrpc":"2.0","id":null,"method":"m","params":[]}"#) == .request(id: .null, method: "m", params: .array([])))
        #expect(try classify(#"{"jsonrpc":"2.0","method":"n","params":{}}"#) == .notification(method: "n", params: .object([:])))
        #expect(try classify(#"{"jsonrpc":"2.0","id":3,"result":1}"#) == .response(id: 3))
    }

    @Test("invalid messages carry -32600 and the id when it is usable", arguments: [
        (#"{"id":1,"method":"m"}"#, JSONValue.integer(1)),
        (#"{"jsonrpc":"2.0","id":{},"method":"m"}"#, JSONValue.null),
        (#"{"jsonrpc":"2.0","id":2,"method":5}"#, JSONValue.integer(2)),
        (#"{"jsonrpc":"2.0","id":2,"method":"m","params":3}"#, JSONValue.integer(2)),
        (#"{"jsonrpc":"2.0"}"#, JSONValue.null),
        ("5", JSONValue.null),
    ])
    func invalid(text: String, id: JSONValue) throws {
        guard case .invalid(let got, let error) = try classify(text) else {
            Issue.record("expected invalid")
            return
        }
        #expect(got == id)
        #expect(error.code == .invalidRequest)
    }

    @Test("error codes keep their numbers")
    func codes() {
        #expect(ErrorCode.parseError.rawValue == -32700)
        #expect(ErrorCode.invalidRequest.rawValue == -32600)
        #expect(ErrorCode.methodNotFound.rawValue == -32601)
        #expect(ErrorCode.invalidParams.rawValue == -32602)
        #expect(ErrorCode.internalError.rawValue == -32603)
        #expect(ErrorCode.requestCancelled.rawValue == -32800)
    }
}
