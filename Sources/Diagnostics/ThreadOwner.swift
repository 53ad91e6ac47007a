#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The calling thread as a value that compares equal only to itself.
package struct ThreadIdentity: Equatable, @unchecked Sendable {
    private let thread: pthread_t

    package static var current: ThreadIdentity { ThreadIdentity(thread: pthread_self()) }

    package static func == (a: ThreadIdentity, b: ThreadIdentity) -> Bool { pthread_equal(a.thread, b.thread) != 0 }
}

/// The one thread allowed to touch some state, as the comments beside that state say ("the
/// reader thread's own"): the owning thread claims it when it starts, and debug builds trap when
/// any other thread touches the state (sourcekit-lsp's `dispatchPrecondition(condition: .onQueue)`,
/// for a thread). Release builds record and check nothing.
package final class ThreadOwner: Sendable {
    /// How the messages name the thread ("the reader thread").
    package let name: String
    #if DEBUG
    private let owner = Locked<ThreadIdentity?>(nil)
    #endif

    package init(_ name: String) { self.name = name }

    /// Makes the calling thread the owner: the first thing the owning thread does.
    package func claim() {
        #if DEBUG
        owner.withLock { $0 = .current }
        #endif
    }

    /// Whether the calling thread is the owner (in debug builds; release builds know no owner and say true).
    package var isCurrent: Bool {
        #if DEBUG
        return owner.current == .current
        #else
        return true
        #endif
    }

    /// Debug builds: stops the process unless the calling thread is the owner.
    @inline(__always)
    package func assertIsCurrent(_ what: @autoclosure () -> String = "this", file: StaticString = #fileID, line: UInt = #line) {
        #if DEBUG
        guard !isCurrent else { return }
        let claimed = owner.current != nil
        preconditionFailure("\(what()) belongs to \(name), but ran on another thread\(claimed ? "" : " (\(name) has not started)")",
                            file: file, line: line)
        #endif
    }
}
