import Diagnostics

/// A value only one thread ever touches (documented where it is declared), so it needs no lock;
/// debug builds check each access against that thread.
final class ReaderConfined<Value>: @unchecked Sendable {
    private let owner: ThreadOwner
    private var stored: Value

    init(_ value: Value, owner: ThreadOwner) {
        stored = value
        self.owner = owner
    }

    var value: Value {
        get {
            owner.assertIsCurrent("a value confined to \(owner.name)")
            return stored
        }
        set {
            owner.assertIsCurrent("a value confined to \(owner.name)")
            stored = newValue
        }
    }

    /// Changes the value in place (no copy of a buffer it holds).
    func modify<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        owner.assertIsCurrent("a value confined to \(owner.name)")
        return try body(&stored)
    }
}
