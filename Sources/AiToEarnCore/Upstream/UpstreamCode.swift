/// The business codes the service answers with (HTTP 200 for errors too).
package enum UpstreamCode: Int, Sendable {
    case ok = 0
    case badRequest = 400
    case unauthorized = 401
    case taskNotFound = 404
    case internalError = 500
    case validationFailed = 10002
    case insufficientCredits = 12001
    case invalidModel = 12300
    case aiCallFailed = 12301
    /// No such video job (the video endpoints' "not found").
    case invalidTaskId = 12302

    /// The service's own message for the codes the simulator answers with.
    var serviceMessage: String {
        switch self {
        case .ok: return "请求成功"
        case .badRequest: return "请求参数错误"
        case .unauthorized: return "Unauthorized"
        case .taskNotFound: return "任务不存在"
        case .internalError: return "服务器内部错误"
        case .validationFailed: return "参数验证失败"
        case .insufficientCredits: return "用户Credits不足"
        case .invalidModel: return "无效的 AI 模型"
        case .aiCallFailed: return "AI调用失败"
        case .invalidTaskId: return "无效的 AI 任务 ID"
        }
    }
}
