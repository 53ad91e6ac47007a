#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import JSONValue

/// What an image entry of a status (`images[i]`) offers to fetch. The service's `url` is normally
/// an absolute URL, but may be `null`, and older deployments send a bare storage key with no host
/// (`<userId>/ai/images/…/<id>.png`): such an entry cannot be fetched, and must never be resolved
/// against some base into a request to a host nobody named.
package enum ImageURL {
    /// The entry's URL when it is one to fetch or link (absolute, with a scheme, and a host for
    /// http(s)); else nil.
    package static func usable(_ image: JSONValue) -> URL? {
        guard let text = image["url"]?.stringValue, let url = URL(string: text), let scheme = url.scheme?.lowercased() else { return nil }
        if scheme == "http" || scheme == "https" { return (url.host ?? "").isEmpty ? nil : url }
        return url
    }

    /// Why an entry with no base64 data cannot be fetched, or nil when its URL is usable.
    package static func problem(_ image: JSONValue) -> String? {
        if usable(image) != nil { return nil }
        switch image["url"] {
        case nil: return "the service sent neither b64_json nor a URL for it"
        case .null?: return "the service sent no URL for it (url is null) and no b64_json"
        case .string(let text)?:
            let shown = text.count > 120 ? String(text.prefix(120)) + "…" : text
            return "its URL \"\(shown)\" is not an absolute http(s) URL (a storage key without a host?), so it cannot be fetched"
        case let other?: return "its url is \(other.typeName), not a URL"
        }
    }
}
