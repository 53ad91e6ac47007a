// A plain HTTP client for the status benchmark: the same URLSession stack the adapter uses, with
// nothing on top (no JSON-RPC, no envelope parsing), so the ratio to it isolates the adapter's
// own overhead. Usage: plain_urlsession URL COUNT CONCURRENCY API_KEY; prints elapsed seconds.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

let args = CommandLine.arguments
guard args.count == 5, let url = URL(string: args[1]), let n = Int(args[2]), let concurrency = Int(args[3]) else {
    FileHandle.standardError.write(Data("usage: plain_urlsession URL COUNT CONCURRENCY API_KEY\n".utf8))
    exit(2)
}
let config = URLSessionConfiguration.ephemeral
config.httpCookieStorage = nil
config.urlCache = nil
let session = URLSession(configuration: config)
var request = URLRequest(url: url)
request.setValue(args[4], forHTTPHeaderField: "X-Api-Key")
request.setValue("application/json", forHTTPHeaderField: "Accept")
request.setValue("close", forHTTPHeaderField: "Connection")  // as the adapter does

/// Keeps `concurrency` requests in flight until `n` are done.
final class ClosedLoop: @unchecked Sendable {
    let n: Int
    let session: URLSession
    let request: URLRequest
    let lock = NSLock()
    var started = 0
    var finished = 0
    let done = DispatchSemaphore(value: 0)

    init(n: Int, session: URLSession, request: URLRequest) {
        self.n = n
        self.session = session
        self.request = request
    }

    func next() {
        lock.lock()
        guard started < n else { lock.unlock(); return }
        started += 1
        lock.unlock()
        session.dataTask(with: request) { data, _, error in
            guard error == nil, let data else { FileHandle.standardError.write(Data("request failed\n".utf8)); exit(1) }
            // Decode the body as a plain client would.
            _ = try? JSONSerialization.jsonObject(with: data)
            self.lock.lock()
            self.finished += 1
            let all = self.finished == self.n
            self.lock.unlock()
            if all { self.done.signal() } else { self.next() }
        }.resume()
    }
}

let loop = ClosedLoop(n: n, session: session, request: request)
let t0 = DispatchTime.now().uptimeNanoseconds
for _ in 0..<concurrency { loop.next() }
loop.done.wait()
print(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
