import JSONValue

/// The methods and notifications one face of the server answers. The engine swaps tables when
/// the application decides which protocol the client speaks, so no method has to ask.
package struct MethodTable: Sendable {
    private(set) var requests: [String: RegisteredMethod] = [:]
    private(set) var notifications: [String: @Sendable (JSONValue?) -> Void] = [:]
    /// Which table this is, as the server installed it (for what it caches per table).
    var generation = 0

    package init() {}

    /// A table of these methods.
    package init(_ methods: [any RPCMethod]) {
        for m in methods { add(m) }
    }

    package mutating func add<M: RPCMethod>(_ method: M) {
        requests[M.name] = RegisteredMethod(method)
    }

    /// A client notification this face understands (unknown ones are ignored).
    package mutating func on(_ notification: String, _ handler: @escaping @Sendable (JSONValue?) -> Void) {
        notifications[notification] = handler
    }

    /// The request methods, sorted.
    package var methodNames: [String] { requests.keys.sorted() }
}
