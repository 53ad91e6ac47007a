#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Process-level hygiene for a stdio server.
package enum StandardStreams {
    /// Keeps a private duplicate of stdout for the protocol and points fd 1 at stderr, so a stray
    /// `print` from any library can never corrupt a frame. Also ignores SIGPIPE: a closed client is
    /// an error return from write, not a crash. Returns the protocol's output descriptor.
    package static func protectStdout() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let protocolFD = dup(STDOUT_FILENO)
        guard protocolFD >= 0 else { return STDOUT_FILENO }
        _ = fcntl(protocolFD, F_SETFD, FD_CLOEXEC)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        return protocolFD
    }
}
