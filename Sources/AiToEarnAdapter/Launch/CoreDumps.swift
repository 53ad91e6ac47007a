#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process holds the API key in memory: a crash must not leave it in a core file, whatever
/// `ulimit -c` the process was started with.
enum CoreDumps {
    /// Both limits to zero: the hard one too, so that nothing in the process can raise it again.
    static func disable() {
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        #if os(Linux)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        #else
        _ = setrlimit(RLIMIT_CORE, &none)
        #endif
    }
}
