import AiToEarnCore

/// Name and version as the server reports them.
public enum AdapterInfo {
    public static let name = "aitoearn-rpc"
    public static let version = ProductVersion.current
}
