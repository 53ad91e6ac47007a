import Diagnostics
import JSONValue

/// Submissions keyed by the caller's idempotency key, for the life of the process: a call that
/// repeats a key (an agent framework that retried a timed-out tool call) gets the first call's
/// submission answer, while it is still on the wire or long after, and never submits again. A key
/// reused with other arguments is refused. A first submission that surely did not reach the
/// service (refused before sending, rate-limited, a local rule) frees its key for a real retry.
package final class IdempotentSubmissions: Sendable {
    /// Keys kept at most; the oldest settled ones go first.
    package static let capacity = 10_000

    private struct Entry {
        var fingerprint: Fingerprint
        var answer: Task<Result<UpstreamReply, CoreError>, Never>
        var serial: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var order: [(key: String, serial: UInt64)] = []
        var next: UInt64 = 0
    }

    private let state = Locked(State())

    package init() {}

    /// The submission answer for `key`: `submit`'s own when the key is new, else the first
    /// call's (waited for if it is still under way).
    func submit(key: String, kind: ImageJobKind, body: JSONObject,
                _ submit: @escaping @Sendable () async throws(CoreError) -> UpstreamReply) async throws(CoreError) -> UpstreamReply {
        let fingerprint = Fingerprint(kind: kind, body: body)
        let (entry, isNew) = state.withLock { s -> (Entry, Bool) in
            if let e = s.entries[key] { return (e, false) }
            s.next += 1
            let answer = Task { () async -> Result<UpstreamReply, CoreError> in
                do throws(CoreError) { return .success(try await submit()) } catch { return .failure(error) }
            }
            let e = Entry(fingerprint: fingerprint, answer: answer, serial: s.next)
            s.entries[key] = e
            s.order.append((key, s.next))
            Self.evict(&s)
            return (e, true)
        }
        if !isNew && entry.fingerprint != fingerprint {
            throw CoreError(.invalidParams([ValidationIssue("idempotencyKey", "was used before with other arguments "
                + "(a key names one submission: use a new key for a new job, or repeat the first call's arguments exactly)")]))
        }
        let result = await entry.answer.value
        if case .failure(let e) = result, !e.mayHaveBilled {
            // Nothing reached the service: the key is free again for a real retry.
            state.withLock { s in if s.entries[key]?.serial == entry.serial { s.entries[key] = nil } }
        }
        return try result.get()
    }

    private static func evict(_ s: inout State) {
        while s.entries.count > capacity, !s.order.isEmpty {
            let (key, serial) = s.order.removeFirst()
            if s.entries[key]?.serial == serial { s.entries[key] = nil }
        }
        if s.order.count > 2 * capacity { s.order.removeAll { s.entries[$0.key]?.serial != $0.serial } }
    }
}

/// What identifies a submission's arguments: its kind and a 64-bit FNV-1a hash of its body in
/// canonical form (object members sorted), with the canonical length beside it.
struct Fingerprint: Equatable, Sendable {
    private var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    private var length = 0

    init(kind: ImageJobKind, body: JSONObject) {
        add(Array(kind.rawValue.utf8))
        add([0])
        add(.object(body))
    }

    private mutating func add(_ bytes: [UInt8]) {
        for b in bytes {
            hash ^= UInt64(b)
            hash &*= 0x0000_0100_0000_01B3
        }
        length += bytes.count
    }

    private mutating func add(_ value: JSONValue) {
        switch value {
        case .object(let o):
            add(Array("{".utf8))
            for m in o.members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                add(JSONValue.string(m.key).serialized())
                add(Array(":".utf8))
                add(m.value)
                add(Array(",".utf8))
            }
            add(Array("}".utf8))
        case .array(let items):
            add(Array("[".utf8))
            for item in items {
                add(item)
                add(Array(",".utf8))
            }
            add(Array("]".utf8))
        default:
            add(value.serialized())
        }
    }
}

extension CoreError {
    /// Whether the failed submission may have started a billed job (so a retry must not resend it).
    var mayHaveBilled: Bool {
        switch kind {
        case .unreachable(_, _, _, let maybe): return maybe
        case .badLogId, .replyTooLarge: return true
        case .cancelled: return true
        default: return false
        }
    }
}
