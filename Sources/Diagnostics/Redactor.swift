/// Removes secrets from any text before it leaves the process through logs or traces.
public final class Redactor: Sendable {
    private let secrets: Locked<[String]> = Locked([])

    public init() {}

    /// Registers a secret; short strings are ignored so ordinary words are never blanked.
    public func add(_ secret: String) {
        guard secret.count >= 4 else { return }
        secrets.withLock { if !$0.contains(secret) { $0.append(secret) } }
    }

    public func redact(_ text: String) -> String {
        var out = text
        for s in secrets.current where out.contains(s) {
            out = out.replacingOccurrences(of: s, with: "***")
        }
        return out
    }
}
