import AiToEarnCore

/// Name and version as the server reports them.
enum AdapterInfo {
    static let name = "aitoearn-rpc"
    static let version = ProductVersion.current
}
