import AiToEarnCore
import AiToEarnCoreTestSupport
import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue

extension FakeNetwork {
    static let logId = "6650f1c2a9b8e4d3c2b1a0f9"

    /// An image job that is accepted and then succeeds with one linked picture.
    convenience init() { self.init(FakeNetwork.imageJobSucceeds) }

    @Sendable static func imageJobSucceeds(_ request: HTTPRequest) -> Reply {
        let path = request.url.path
        if path == UpstreamAPI.submitGeneration || path == UpstreamAPI.submitEdit {
            return .envelope(code: 0, data: ["logId": .string(logId), "status": "generating"])
        }
        if path.hasPrefix(UpstreamAPI.taskPrefix) {
            return .envelope(code: 0, data: ["logId": .string(logId), "status": "success",
                                             "images": [["url": "https://cdn.example.com/fox.png"]]])
        }
        if path == UpstreamAPI.generationModels { return .envelope(code: 0, data: [["name": "gpt-image-1"]]) }
        return .http(status: 404, body: "not here")
    }
}
