/// The two AiToEarn sites; same API, different hosts.
package enum Region: String, Sendable, CaseIterable {
    case global, cn

    package var baseURL: String {
        switch self {
        case .global: return "https://aitoearn.ai"
        case .cn: return "https://aitoearn.cn"
        }
    }
}
