/// The two AiToEarn sites; same API, different hosts.
public enum Region: String, Sendable, CaseIterable {
    case global, cn

    public var baseURL: String {
        switch self {
        case .global: return "https://aitoearn.ai"
        case .cn: return "https://aitoearn.cn"
        }
    }
}
