import JSONValue

/// Sends server-to-client notifications through the one serialized writer.
public struct Notifier: Sendable {
    let sendMessage: @Sendable (JSONValue) -> Void

    public init(_ send: @escaping @Sendable (JSONValue) -> Void) { sendMessage = send }

    public func notify(_ method: String, _ params: JSONValue?) {
        sendMessage(OutgoingMessage.notification(method, params))
    }
}

/// What a method sees of the request it serves.
public struct RequestContext: Sendable {
    /// The JSON-RPC id, exactly as the client sent it.
    public let id: JSONValue
    public let notifier: Notifier

    public func notify(_ method: String, _ params: JSONValue?) { notifier.notify(method, params) }
}
