import JSONValue

/// Sends server-to-client notifications through the one serialized writer.
package struct Notifier: Sendable {
    let sendMessage: @Sendable (JSONValue, String?) -> Void

    package init(_ send: @escaping @Sendable (JSONValue, String?) -> Void) { sendMessage = send }

    /// With `replacing`, this notification may take the place of an earlier one with the same
    /// key that is still waiting to be written (only the latest progress matters).
    package func notify(_ method: String, _ params: JSONValue?, replacing key: String? = nil) {
        sendMessage(OutgoingMessage.notification(method, params), key)
    }

    /// Writes a whole message the application built: a request to the client, whose reply comes
    /// back through `RPCServer.Hooks.response`.
    package func send(_ message: JSONValue) {
        sendMessage(message, nil)
    }
}
