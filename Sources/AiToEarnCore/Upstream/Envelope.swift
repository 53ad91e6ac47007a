#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue

/// The service's reply wrapper: success is `code == 0` and nothing else, whatever the HTTP status.
public struct Envelope: Sendable, Equatable {
    public var code: Int
    public var message: String
    public var data: JSONValue
    public var requestId: String?

    /// Nil when the body is not an envelope (an HTML error page, a truncated body, …).
    public init?(body: Data) {
        guard let value = try? JSONParser.parse(body), case .object(let o) = value,
              let code = o["code"]?.integerValue else { return nil }
        self.code = Int(clamping: code)
        message = o["message"]?.stringValue ?? ""
        data = o["data"] ?? .null
        requestId = o["requestId"]?.stringValue
    }
}
