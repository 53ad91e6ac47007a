// The HTTP-date parser behind Retry-After (module AiToEarnCore). Properties: no crash; a date it
// reads, written back as an IMF-fixdate, reads as the same second; the names' case does not
// matter (GMT's does); Retry-After as a whole is nil or 0...60000 ms.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The first 8 bytes choose `now` (from year 1 to 9999: a clock gives nothing else), the rest is the text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPDate(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzBytes(data, count)
    let raw = input.take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    let first: Int64 = -62_135_596_800, last: Int64 = 253_402_300_799
    let now = first + Int64(raw % UInt64(last - first + 1))
    let text = String(decoding: input.rest(), as: UTF8.self)

    let parsed = HTTPDate.parse(text, now: now)
    let upper = String(text.map { $0.isASCII ? Character($0.uppercased()) : $0 })
    // One way only: "GMT" is case-sensitive (RFC 9110), so upper case may make a date of "gmt".
    if parsed != nil {
        fuzzCheck(HTTPDate.parse(upper, now: now) == parsed, "case changes the date of \(text.debugDescription)")
    }
    if let t = parsed, let imf = imfFixdate(t) {
        fuzzCheck(HTTPDate.parse(imf, now: now) == t, "\(text.debugDescription) is \(t), but \(imf) is \(String(describing: HTTPDate.parse(imf, now: now)))")
    }
    if let ms = RetryPolicy.parseRetryAfter(text, now: Date(timeIntervalSince1970: Double(now))) {
        fuzzCheck((0...RetryPolicy.retryAfterCapMs).contains(ms), "Retry-After \(text.debugDescription) is \(ms) ms")
    }
    return 0
}

/// `t` as an IMF-fixdate, or nil outside the years 0-9999 that four digits hold.
private func imfFixdate(_ t: Int64) -> String? {
    let days = t >= 0 ? t / 86_400 : (t - 86_399) / 86_400
    let secs = t - days * 86_400
    // H. Hinnant's civil_from_days, written apart from the parser's own arithmetic.
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    guard (0...9999).contains(year) else { return nil }
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(((days % 7) + 7) % 7)]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    return "\(weekday), \(pad(day, 2)) \(months[Int(month) - 1]) \(pad(year, 4)) \(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2)) GMT"
}
