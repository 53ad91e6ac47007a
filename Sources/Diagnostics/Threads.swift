#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a detached thread running `body`: the few threads that block in system calls (the
/// reader, the writer, the signal pipe, the libcurl loop) and so must stay off the cooperative pool.
///
/// `name` shows in debuggers and `top -H` (Linux keeps 15 bytes of it).
package func startThread(name: String, stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
    final class Start {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) { self.name = name; self.body = body }
    }
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    defer { pthread_attr_destroy(&attr) }
    pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
    if let stackSize { pthread_attr_setstacksize(&attr, stackSize) }
    let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
    #if canImport(Glibc)
    var thread = pthread_t()
    let status = pthread_create(&thread, &attr, { raw in
        let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
        nameThisThread(start.name)
        start.body()
        return nil
    }, start)
    #else
    var thread: pthread_t?
    let status = pthread_create(&thread, &attr, { raw in
        let start = Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
        _ = pthread_setname_np(start.name)
        start.body()
        return nil
    }, start)
    #endif
    precondition(status == 0, "pthread_create failed (\(status))")
}

#if canImport(Glibc)
/// Glibc's `pthread_setname_np` is a GNU extension Swift does not import (nor the variadic
/// `prctl`), so the name goes where both would put it.
private func nameThisThread(_ name: String) {
    let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    writeAll(fd: fd, Array(name.utf8.prefix(15)))
    close(fd)
}
#endif
