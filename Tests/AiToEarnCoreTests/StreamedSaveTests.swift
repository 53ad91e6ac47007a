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
import Diagnostics
import JSONValue
import Testing
@testable import AiToEarnCore

@Suite("Saving: downloads streamed to disk")
struct StreamedSaveTests {
    /// A transport that hands each body to the request's `bodySink` in small chunks, as libcurl
    /// does, and returns an empty body; records whether each request had a sink.
    final class StreamingTransport: HTTPTransport, @unchecked Sendable {
        let status: Int
        let bodies: [String: [UInt8]]
        let hadFile = Locked<[Bool]>([])
        init(status: Int = 200, bodies: [String: [UInt8]]) { self.status = status; self.bodies = bodies }

        func send(_ request: HTTPRequest) async throws(TransportFailure) -> HTTPResponse {
            hadFile.withLock { $0.append(request.bodySink != nil) }
            let body = bodies[request.url.absoluteString] ?? Array("missing".utf8)
            guard let sink = request.bodySink else { return HTTPResponse(status: status, body: Data(body)) }
            for start in stride(from: 0, to: body.count, by: 1000) {
                _ = Array(body[start..<min(body.count, start + 1000)]).withUnsafeBytes { sink($0) }
            }
            return HTTPResponse(status: status, body: Data())
        }
    }

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 7, count: 100_000)
    static let logId = "0123456789abcdef01234567"

    static func scratch() -> String {
        FileBytes.temporaryDirectory + "/streamed-save-\(getpid())-\(UInt32.random(in: 0 ... .max))"
    }

    static func names(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    @Test("a URL image arrives through the request's file and is renamed to its final name, whole")
    func streamed() async throws {
        let t = StreamingTransport(bodies: ["https://cdn.example/a": Self.png, "https://cdn.example/b": Self.png])
        let saver = ImageSaver(transport: t, localImages: nil, requestTimeoutMs: 1000, addresses: .any)
        let dir = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let paths = try await saver.save(task: ["request": ["n": 2], "images": [["url": "https://cdn.example/a"], ["url": "https://cdn.example/b"]]],
                                         logId: Self.logId, to: dir)
        #expect(paths == [0: dir + "/\(Self.logId)-1.png", 1: dir + "/\(Self.logId)-2.png"])
        #expect(t.hadFile.current == [true, true])
        #expect(FileBytes.read(path: dir + "/\(Self.logId)-1.png") == Self.png)
        // Nothing is left of the partial files.
        #expect(Self.names(in: dir) == ["\(Self.logId)-1.png", "\(Self.logId)-2.png"])
    }

    @Test("a failed or refused download leaves no file behind")
    func failuresLeaveNothing() async {
        for (status, body) in [(404, Self.png), (200, Array("<html>not an image</html>".utf8))] {
            let t = StreamingTransport(status: status, bodies: ["https://cdn.example/a": body])
            let saver = ImageSaver(transport: t, localImages: nil, requestTimeoutMs: 1000, addresses: .any)
            let dir = Self.scratch()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            do {
                _ = try await saver.save(task: ["images": [["url": "https://cdn.example/a"]]], logId: Self.logId, to: dir)
                Issue.record("expected a failed save (HTTP \(status))")
            } catch {
                guard case .saveFailed = error.kind else { Issue.record("\(error)"); continue }
            }
            #expect(Self.names(in: dir).isEmpty, "HTTP \(status)")
        }
    }

    @Test("files are named from the logId's letters and digits only, so they land in the directory whatever the id holds")
    func namesStayInside() async throws {
        let saver = ImageSaver(transport: StreamingTransport(bodies: [:]), localImages: nil, requestTimeoutMs: 1000, addresses: .any)
        let image: JSONValue = ["b64_json": .string(Data(Self.png).base64EncodedString())]
        for (logId, stem) in [("../../etc/x", "etcx"), ("a/b\\c d", "abcd"), ("../..", "image"), ("", "image")] {
            let dir = Self.scratch()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let paths = try await saver.save(task: ["images": [image, image]], logId: logId, to: dir + "/")
            #expect(paths == [0: dir + "/\(stem)-1.png", 1: dir + "/\(stem)-2.png"], "\(logId)")
            #expect(Self.names(in: dir) == ["\(stem)-1.png", "\(stem)-2.png"], "\(logId)")
        }
    }
}
