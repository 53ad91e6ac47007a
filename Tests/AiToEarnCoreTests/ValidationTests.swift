#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import JSONValue
@testable import AiToEarnCore

@Suite("Request validation")
struct ValidationTests {
    private func read(_ params: JSONValue) -> (ImageRequest?, [ValidationIssue]) {
        var r = FieldReader(params: params)
        let req = ImageRequest.read(&r)
        r.rejectUnknown()
        return (req, r.issues)
    }

    @Test("a valid body passes through as written, nulls dropped")
    func valid() {
        let (req, issues) = read(["prompt": "a fox", "model": "m", "n": 2, "response_format": "b64_json", "size": .null])
        #expect(issues.isEmpty)
        #expect(req?.body == ["prompt": "a fox", "model": "m", "n": 2, "response_format": "b64_json"])
    }

    @Test("every broken rule is listed, each with its path")
    func allIssues() {
        let (_, issues) = read(["prompt": "", "n": 11, "responseFormat": "url", "response_format": "png", "source": "x", "style": 3])
        #expect(Set(issues.map(\.path)) == ["prompt", "model", "n", "responseFormat", "response_format", "source", "style"])
    }

    @Test("prompt length counts UTF-16 code units, as the service does")
    func utf16() {
        let fox = "🦊"  // two UTF-16 code units
        #expect(read(["prompt": .string(String(repeating: fox, count: 2000)), "model": "m"]).1.isEmpty)
        #expect(read(["prompt": .string(String(repeating: fox, count: 2000) + "a"), "model": "m"]).1.map(\.path) == ["prompt"])
        #expect(read(["prompt": .string(String(repeating: "a", count: 4000)), "model": "m"]).1.isEmpty)
    }

    @Test("n must be an integer from 1 to 10")
    func count() {
        #expect(read(["prompt": "p", "model": "m", "n": 0]).1.map(\.path) == ["n"])
        #expect(read(["prompt": "p", "model": "m", "n": 1.5]).1.map(\.path) == ["n"])
        #expect(read(["prompt": "p", "model": "m", "n": "3"]).1.map(\.path) == ["n"])
        #expect(read(["prompt": "p", "model": "m", "n": 10]).1.isEmpty)
    }

    @Test("params must be an object")
    func notObject() {
        #expect(FieldReader(params: .array([])).issues.count == 1)
        #expect(FieldReader(params: nil).issues.isEmpty)
    }

    @Test("logIds are 24 hex characters", arguments: [
        ("0123456789abcdefABCDEF01", true), ("0123456789abcdef0123456", false), ("0123456789abcdef0123456g", false), ("", false),
    ])
    func logId(id: String, valid: Bool) {
        #expect(LogID.isValid(id) == valid)
    }

    @Test("base URLs must be https unless loopback")
    func baseURL() {
        #expect(throws: Never.self) { try Settings.checkBaseURL("https://aitoearn.ai") }
        #expect(throws: Never.self) { try Settings.checkBaseURL("http://127.0.0.1:8080") }
        #expect(throws: Never.self) { try Settings.checkBaseURL("http://localhost:1") }
        #expect(throws: SettingsError.self) { try Settings.checkBaseURL("http://example.com") }
        #expect(throws: SettingsError.self) { try Settings.checkBaseURL("aitoearn.ai") }
    }

    @Test("proxy choice follows the environment, NO_PROXY bypasses")
    func proxy() {
        let url = URL(string: "https://aitoearn.ai")!
        #expect(ProxySettings.forURL(url, environment: ["HTTPS_PROXY": "http://p:3128"]) == ProxySettings(url: "http://p:3128"))
        #expect(ProxySettings.forURL(url, environment: ["HTTPS_PROXY": "http://p:3128", "NO_PROXY": ".aitoearn.ai"]) == nil)
        #expect(ProxySettings.forURL(URL(string: "http://127.0.0.1:1")!, environment: ["http_proxy": "127.0.0.2:8"]) == ProxySettings(url: "http://127.0.0.2:8"))
        #expect(ProxySettings.forURL(url, environment: [:]) == nil)
    }

    @Test("proxy URLs keep credentials, https and bracketed IPv6 hosts as written")
    func proxyForms() {
        let url = URL(string: "https://aitoearn.ai/api")!
        for raw in ["http://user:p%40ss@proxy:3128", "https://proxy.example:8443", "http://[::1]:3128", "[::1]:3128"] {
            let expected = raw.contains("://") ? raw : "http://" + raw
            #expect(ProxySettings.forURL(url, environment: ["HTTPS_PROXY": raw])?.url == expected, "\(raw)")
        }
        #expect(ProxySettings.forURL(url, environment: ["HTTPS_PROXY": "socks5://p:1080"]) == nil)
    }

    @Test("NO_PROXY is read as libcurl reads it: *, names and subdomains, addresses and CIDR ranges, ports ignored", arguments: [
        ("aitoearn.ai", "aitoearn.ai", true), ("api.aitoearn.ai", ".aitoearn.ai", true), ("api.aitoearn.ai", "aitoearn.ai", true),
        ("notaitoearn.ai", "aitoearn.ai", false), ("x.example", "*", true), ("10.1.2.3", "10.0.0.0/8", true),
        ("11.1.2.3", "10.0.0.0/8", false), ("192.168.7.9", "192.168.7.0/24", true), ("::1", "::1", true),
        ("[::1]", "[::1]:8080", true), ("fd00::5", "fd00::/8", true), ("fe80::1", "fd00::/8", false),
        ("127.0.0.1", "127.0.0.1:3128", true), ("host.example", "host.example:443", true), ("10.1.2.3", "10.0.0.0/x", false),
    ])
    func noProxy(host: String, noProxy: String, bypassed: Bool) {
        #expect(ProxySettings.bypasses(host: host, noProxy: noProxy) == bypassed)
    }
}
