/// The two kinds of image job the service runs on the same task endpoint: each has its own
/// submission endpoint and its own model list.
package enum ImageJobKind: String, Sendable, CaseIterable {
    case generation, edit

    package var submitPath: String {
        switch self {
        case .generation: return UpstreamAPI.submitGeneration
        case .edit: return UpstreamAPI.submitEdit
        }
    }

    package var modelsPath: String {
        switch self {
        case .generation: return UpstreamAPI.generationModels
        case .edit: return UpstreamAPI.editModels
        }
    }
}
