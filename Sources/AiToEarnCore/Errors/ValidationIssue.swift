/// One field that breaks a rule, named by its path in the params.
package struct ValidationIssue: Sendable, Equatable {
    package var path: String
    package var message: String
    package init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }
}
