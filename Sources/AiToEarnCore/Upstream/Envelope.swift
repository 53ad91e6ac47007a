#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue

/// The service's reply wrapper: success is `code == 0` and nothing else, whatever the HTTP status.
package struct Envelope: Sendable, Equatable {
    package var code: Int
    package var message: String
    package var data: JSONValue
    package var requestId: String?

    /// Nil when the body is not an envelope (an HTML error page, a truncated body, …).
    package init?(body: Data) {
        guard let value = try? JSONParser.parse(body), case .object(let o) = value,
              let code = o["code"]?.integerValue else { return nil }
        self.code = Int(clamping: code)
        message = o["message"]?.stringValue ?? ""
        data = o["data"] ?? .null
        requestId = o["requestId"]?.stringValue
    }

    /// Why `body` is not an envelope, said as what it is (the reader's next step differs: a web
    /// page means a wrong base URL or a proxy's page, a string code a service that changed).
    package static func problem(body: Data) -> String {
        guard let value = try? JSONParser.parse(body) else { return "a body that is not JSON" }
        guard case .object(let o) = value, let code = o["code"] else { return "a JSON body that is not an envelope (no code)" }
        return code.integerValue == nil ? "an envelope whose code is not a number" : "a body that is not a JSON envelope"
    }
}
