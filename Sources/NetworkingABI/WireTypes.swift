import Foundation

/// The request and reply that cross the boundary to the lazily loaded networking library.
///
/// Only structural types of the shared runtime (tuples of String, Array, Dictionary, Data, Int)
/// are used: their layout and metadata are the same on both sides, so a pointer to one can be
/// handed over as is, with no bridging through NSDictionary and NSData (which cost more CPU than
/// the rest of a request). This module declares aliases only: nothing in it has an identity
/// that two copies could disagree on.
/// `maxBytes` caps the reply body: a larger one is cut off and reported as a failure.
public typealias WireRequest = (method: String, url: String, headers: [(String, String)], body: Data?,
                                timeoutMs: Int, maxBytes: Int, proxyHost: String?, proxyPort: Int)

/// `failure` is nil on an HTTP answer, else "notConnected", "noResponse" or "cancelled".
public typealias WireReply = (status: Int, headers: [String: String], body: Data, failure: String?, reason: String)

/// Moves a value to the heap for the other side, which takes it back with `takeWire`.
public func passWire<T>(_ value: T) -> UnsafeMutableRawPointer {
    let p = UnsafeMutablePointer<T>.allocate(capacity: 1)
    p.initialize(to: value)
    return UnsafeMutableRawPointer(p)
}

/// Takes back a value handed over with `passWire` and frees its memory.
public func takeWire<T>(_ raw: UnsafeMutableRawPointer, as: T.Type) -> T {
    let p = raw.assumingMemoryBound(to: T.self)
    defer { p.deallocate() }
    return p.move()
}
