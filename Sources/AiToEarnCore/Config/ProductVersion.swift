/// The product's version, sent in `User-Agent` and reported by `initialize` and `--version`.
public enum ProductVersion {
    public static let current = "0.1.0"
}
