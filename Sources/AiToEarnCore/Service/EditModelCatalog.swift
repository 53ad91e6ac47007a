import Diagnostics
import JSONValue

/// The edit models as the service lists them, kept for the session to check how many input
/// images a model takes (`maxInputImages`) before a billed job is submitted. Fetched on first
/// need; forgotten when the service says a model is unknown (12300), so the next edit reads it anew.
package final class EditModelCatalog: Sendable {
    private let list = Locked<JSONValue?>(nil)

    package init() {}

    /// The list fetched last, if any.
    package var current: JSONValue? { list.current }

    package func store(_ models: JSONValue) {
        guard case .array = models else { return }
        list.withLock { $0 = models }
    }

    package func forget() { list.withLock { $0 = nil } }

    /// `maxInputImages` of `model` in `models`, when the list names the model with a positive integer limit.
    package static func maxInputImages(of model: String, in models: JSONValue) -> Int? {
        guard let entry = models.arrayValue?.first(where: { $0["name"]?.stringValue == model }),
              let max = entry["maxInputImages"]?.integerValue, max > 0 else { return nil }
        return Int(clamping: max)
    }
}

/// The video models, kept the same way: fetched once per session to check a video job's options,
/// forgotten on 12300.
package typealias VideoModelCatalog = EditModelCatalog
