import CurlShim
import Diagnostics

/// Idle libcurl easy handles, reset and kept for the next transfer.
///
/// A fresh handle is a calloc of several kilobytes that libcurl then fills in, and its cleanup
/// undoes it all: with a status poll per round trip that was a twentieth of the adapter's
/// instructions (callgrind). A reset handle starts from libcurl's defaults, as a new one does;
/// connections live in the multi handle's cache either way.
enum EasyHandles {
    private struct Handle: @unchecked Sendable { let pointer: UnsafeMutableRawPointer }

    /// Enough for the transfers that run at once in ordinary use; past it handles are freed.
    static let maxIdle = 32
    private static let idle = Locked<[Handle]>([])

    /// A handle with every option at its default, or nil when libcurl cannot make one.
    static func take() -> UnsafeMutableRawPointer? {
        if let h = idle.withLock({ $0.popLast() }) { return h.pointer }
        return acurl_easy_init()
    }

    /// Takes back a handle that is in no multi handle; its options go back to the defaults now,
    /// so nothing the last transfer set (a body, headers, callbacks into freed memory) outlives it.
    static func give(_ easy: UnsafeMutableRawPointer) {
        acurl_easy_reset(easy)
        let kept = idle.withLock { handles -> Bool in
            guard handles.count < maxIdle else { return false }
            handles.append(Handle(pointer: easy))
            return true
        }
        if !kept { acurl_easy_cleanup(easy) }
    }
}
