import CurlShim
import Diagnostics
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One thread drives every transfer through libcurl's multi interface: no thread per request.
///
/// Other threads talk to it only through `inbox` (guarded by its lock) and `acurl_multi_wakeup`,
/// the one libcurl call that is safe from any thread. Everything else is the loop thread's own.
final class CurlEventLoop: @unchecked Sendable {
    private enum Command {
        case start(CurlTransfer)
        case cancel(CurlTransfer)
    }

    private let multi: UnsafeMutableRawPointer
    /// Commands from other threads, and whether the loop is (about to be) waiting in libcurl's poll.
    private struct Inbox {
        var commands: [Command] = []
        var asleep = false
    }
    private let inbox = Locked(Inbox())
    /// The loop's thread: the state below, and each transfer once started, are its own.
    static let thread = ThreadOwner("the libcurl loop thread")
    // Loop-thread state.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    /// Transfers waiting for a place among the active, first come first served (from `waitingHead` on).
    private var waiting: [CurlTransfer?] = []
    private var waitingHead = 0
    private var nextDeadlineMs = Int64.max
    private var poolCap = ConnectionPoolCap()
    private var poolCapSet = 0

    private init(multi: UnsafeMutableRawPointer) {
        self.multi = multi
        // Kept-alive connections for status polls; HTTP/2 streams share one where the server offers it.
        acurl_multi_setopt_long(multi, ACURLMOPT_PIPELINING, 2)
        // Before the loop's thread exists, which then inherits it.
        applyPoolCap()
    }

    /// Sets libcurl's connection cap (see `ConnectionPoolCap`) as transfers start and end; libcurl
    /// applies it when a finished transfer hands its connection back to the pool.
    private func sizePool() {
        Self.thread.assertIsCurrent("the connection pool's cap")
        applyPoolCap()
    }

    private func applyPoolCap() {
        let cap = poolCap.cap(running: active.count, nowMs: CurlEventLoop.nowMs)
        guard cap != poolCapSet else { return }
        poolCapSet = cap
        acurl_multi_setopt_long(multi, ACURLMOPT_MAXCONNECTS, cap)
    }

    private static let instance = Locked<Result<CurlEventLoop, TransportFailure>?>(nil)

    /// The loop, started on first use; libcurl is loaded then (from `libraryPath` when given).
    static func shared(libraryPath: String?) -> Result<CurlEventLoop, TransportFailure> {
        instance.withLock { slot in
            if let s = slot { return s }
            let made = make(libraryPath: libraryPath)
            slot = made
            return made
        }
    }

    private static func make(libraryPath: String?) -> Result<CurlEventLoop, TransportFailure> {
        let error = UnsafeMutablePointer<CChar>.allocate(capacity: 512)
        defer { error.deallocate() }
        error.initialize(repeating: 0, count: 512)
        guard acurl_load(libraryPath, error, 512) == 0 else {
            let name = libraryPath ?? CurlEventLoop.libraryName
            let detail = String(cString: UnsafePointer(error))
            return .failure(.unavailable("libcurl (\(name)) was not found: install your distribution's libcurl package (\(CurlEventLoop.packageHint)) [\(detail)]"))
        }
        guard let multi = acurl_multi_init() else { return .failure(.unavailable("libcurl could not start (curl_multi_init failed)")) }
        raiseOpenFileLimit()
        let loop = CurlEventLoop(multi: multi)
        startThread(name: "aitoearn-http") { loop.run() }
        return .success(loop)
    }

    #if os(macOS)
    static let libraryName = "/usr/lib/libcurl.4.dylib"
    static let packageHint = "it ships with macOS; or set AITOEARN_LIBCURL to its path"
    #else
    static let libraryName = "libcurl.so.4"
    static let packageHint = "libcurl4 on Debian and Ubuntu, libcurl on Fedora and Arch; or set AITOEARN_LIBCURL to its path"
    #endif

    /// Many jobs at once mean many sockets: use what the hard limit allows.
    private static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let wanted = min(limit.rlim_max, 65_536)
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }

    /// libcurl's timers run on real time: the real clock, never a test's.
    static var nowMs: Int64 { SystemClock().nowMs }

    /// Transfers in libcurl's hands at once; the rest wait their turn before being added, so no
    /// timer of theirs runs and no connection is opened for them yet. A thousand jobs at once
    /// otherwise had some 700 connections open, each with libcurl's state and buffers.
    static let maxActive = 256

    func start(_ transfer: CurlTransfer) { send(.start(transfer)) }

    /// Stops a transfer wherever it is; its caller is answered `cancelled`.
    func cancel(_ transfer: CurlTransfer) { send(.cancel(transfer)) }

    private func send(_ command: Command) {
        // A loop that is not asleep reads the inbox before it next waits: only a sleeping one
        // needs the wake-up (a system call, and a context switch, per request before).
        let asleep = inbox.withLock { box -> Bool in
            box.commands.append(command)
            defer { box.asleep = false }
            return box.asleep
        }
        if asleep { acurl_multi_wakeup(multi) }
    }

    /// Called on the loop thread when a request starts out: its timeout runs from now.
    func noteDeadline(_ ms: Int64) {
        Self.thread.assertIsCurrent("a request's deadline")
        nextDeadlineMs = min(nextDeadlineMs, ms)
    }

    private func run() {
        Self.thread.claim()
        while true {
            let commands = inbox.withLock { box -> [Command] in
                box.asleep = false
                defer { box.commands.removeAll(keepingCapacity: true) }
                return box.commands
            }
            for command in commands {
                switch command {
                case .start(let t): begin(t)
                case .cancel(let t): stop(t)
                }
            }
            var running: Int32 = 0
            acurl_multi_perform(multi, &running)
            var code: Int32 = 0
            while let easy = acurl_multi_next_done(multi, &code) {
                guard let t = active.removeValue(forKey: easy) else { continue }
                sizePool()
                acurl_multi_remove(multi, easy)
                t.finish(t.outcome(code: code))
            }
            let now = CurlEventLoop.nowMs
            if now >= nextDeadlineMs { expire(now: now) }
            admitWaiting()
            // Idle, the thread sleeps until woken; busy, libcurl shortens the wait to what it needs.
            let wait = active.isEmpty ? 60_000 : min(1000, max(0, nextDeadlineMs - now))
            // Asleep from the moment the inbox is seen empty: a command after that wakes the poll
            // (a wake-up sent before the poll starts makes it return at once). One already there
            // is handled now instead.
            let sleeps = inbox.withLock { box -> Bool in
                box.asleep = box.commands.isEmpty
                return box.asleep
            }
            if sleeps { acurl_multi_poll(multi, Int32(wait)) }
        }
    }

    private func begin(_ t: CurlTransfer) {
        Self.thread.assertIsCurrent("starting a transfer")
        if t.cancelRequested { return t.finish(.failure(.cancelled)) }
        // Behind those already waiting, in order.
        guard active.count < Self.maxActive, waitingHead == waiting.count else { return waiting.append(t) }
        add(t)
    }

    private func add(_ t: CurlTransfer) {
        Self.thread.assertIsCurrent("starting a transfer")
        t.loop = self
        guard acurl_multi_add(multi, t.easy) == 0 else {
            return t.finish(.failure(.notConnected("libcurl refused the transfer")))
        }
        active[t.easy] = t
        sizePool()
    }

    private func stop(_ t: CurlTransfer) {
        Self.thread.assertIsCurrent("stopping a transfer")
        guard active.removeValue(forKey: t.easy) != nil else {
            if let i = waiting[waitingHead...].firstIndex(where: { $0 === t }) {
                waiting[i] = nil
                return t.finish(.failure(.cancelled))
            }
            // Not started yet (or already finished, and then this changes nothing).
            t.cancelRequested = true
            return
        }
        acurl_multi_remove(multi, t.easy)
        t.finish(.failure(.cancelled))
    }

    /// Starts waiting transfers while there is room among the active.
    private func admitWaiting() {
        Self.thread.assertIsCurrent("the waiting transfers")
        while active.count < Self.maxActive, waitingHead < waiting.count {
            let next = waiting[waitingHead]
            waiting[waitingHead] = nil
            waitingHead += 1
            if let next { add(next) }
        }
        if waitingHead == waiting.count {
            waiting.removeAll(keepingCapacity: waiting.count <= 1024)
            waitingHead = 0
        }
    }

    /// Ends every transfer whose request went out longer ago than its timeout.
    private func expire(now: Int64) {
        Self.thread.assertIsCurrent("expiring transfers")
        var next = Int64.max
        for (easy, t) in active {
            guard let sent = t.sentAtMs else { continue }
            let deadline = sent + Int64(t.request.timeoutMs)
            if deadline <= now {
                active.removeValue(forKey: easy)
                acurl_multi_remove(multi, easy)
                t.finish(.failure(.noResponse("no answer within \(t.request.timeoutMs) ms")))
            } else {
                next = min(next, deadline)
            }
        }
        nextDeadlineMs = next
    }
}
