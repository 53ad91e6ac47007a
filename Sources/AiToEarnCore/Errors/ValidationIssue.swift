/// One field that breaks a rule, named by its path in the params.
public struct ValidationIssue: Sendable, Equatable {
    public var path: String
    public var message: String
    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }
}
