/// A value only one thread ever touches (documented where it is declared), so it needs no lock.
final class ReaderConfined<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
