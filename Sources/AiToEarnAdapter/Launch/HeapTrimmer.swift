import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hands freed heap back to the system every few seconds, where the C library keeps it otherwise.
///
/// glibc's malloc keeps freed memory in its arenas (one per busy thread, up to 8 per core) and
/// returns only what lies at the top of an arena. Under hours of traffic the free space between
/// live blocks grows while the live heap stays flat: the process's RSS crept up by 2-3 MB per
/// 10 minutes in the soak benchmark. `malloc_trim(0)` gives every free page back (madvise), two
/// arenas fragment less than sixteen, and a fixed mmap threshold keeps large blocks out of them.
/// All are found at run time, so on another C library (macOS, musl) this does nothing.
enum HeapTrimmer {
    private typealias Trim = @convention(c) (Int) -> Int32
    private typealias Option = @convention(c) (Int32, Int32) -> Int32

    /// glibc's `M_ARENA_MAX` and `M_MMAP_THRESHOLD` (malloc.h); Swift does not import those names.
    private static let arenaMax: Int32 = -8
    private static let mmapThreshold: Int32 = -3

    /// Starts trimming every `interval`; nil, and nothing started, when the C library has no `malloc_trim`.
    static func start(interval: DispatchTimeInterval = .seconds(5)) -> DispatchSourceTimer? {
        guard let program = dlopen(nil, RTLD_NOW), let trimAddress = dlsym(program, "malloc_trim") else { return nil }
        if let optionAddress = dlsym(program, "mallopt") {
            let option = unsafeBitCast(optionAddress, to: Option.self)
            _ = option(arenaMax, 2)
            // Fixed at its default: otherwise every large block freed (an image, a long reply)
            // raises the threshold to its size, and later large blocks land in the arenas,
            // where they leave holes, instead of going back to the system when freed.
            _ = option(mmapThreshold, 128 << 10)
        }
        let trim = unsafeBitCast(trimAddress, to: Trim.self)
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .seconds(1))
        timer.setEventHandler { _ = trim(0) }
        timer.resume()
        return timer
    }
}
