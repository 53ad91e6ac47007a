#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import AiToEarnCore

@Suite("HTTP-date (RFC 9110 section 5.6.7)")
struct HTTPDateTests {
    /// 2026-12-04T00:00:00Z: places RFC 850's two-digit years.
    static let now: Int64 = 1_796_342_400

    static func parse(_ text: String) -> Int64? { HTTPDate.parse(text, now: now) }

    @Test("the RFC's example, in each of the three forms, is the same moment")
    func rfcExamples() {
        #expect(Self.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(Self.parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
        #expect(Self.parse("Sun Nov  6 08:49:37 1994") == 784_111_777)
        // RFC 9110's Retry-After example (section 10.2.3).
        #expect(Self.parse("Fri, 31 Dec 1999 23:59:59 GMT") == 946_684_799)
    }

    @Test("dates around the epoch, leap days and the far years")
    func calendar() {
        #expect(Self.parse("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(Self.parse("Wed, 31 Dec 1969 23:59:59 GMT") == -1)
        #expect(Self.parse("Thu, 29 Feb 2024 12:00:00 GMT") == 1_709_208_000)
        #expect(Self.parse("Tue, 29 Feb 2000 00:00:00 GMT") == 951_782_400)
        #expect(Self.parse("Fri, 31 Dec 9999 23:59:59 GMT") == 253_402_300_799)
        #expect(Self.parse("Sat, 01 Jan 0000 00:00:00 GMT") == -62_167_219_200)
        // A leap second counts as the first second of the next minute.
        #expect(Self.parse("Sat, 31 Dec 2016 23:59:60 GMT") == 1_483_228_800)
        #expect(Self.parse("Sun Nov 16 08:49:37 1994") == 784_975_777)
    }

    @Test("an RFC 850 year more than 50 years ahead is the last such year in the past")
    func twoDigitYears() {
        #expect(Self.parse("Thursday, 31-Dec-76 00:00:00 GMT") == 3_376_598_400)  // 2076: 50 years ahead, kept
        #expect(Self.parse("Friday, 31-Dec-77 00:00:00 GMT") == 252_374_400)  // 2077 would be 51: 1977
        #expect(Self.parse("Monday, 01-Jan-26 00:00:00 GMT") == 1_767_225_600)
        #expect(Self.parse("Friday, 31-Dec-99 23:59:59 GMT") == 946_684_799)
    }

    @Test("names match in any case; the day name is not checked against the date")
    func lenientNames() {
        #expect(Self.parse("sun, 06 nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(Self.parse("SUNDAY, 06-NOV-94 08:49:37 GMT") == 784_111_777)
        #expect(Self.parse("Mon, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
    }

    @Test("fields out of range are no date", arguments: [
        "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 32 Dec 1994 08:49:37 GMT", "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 29 Feb 2023 08:49:37 GMT", "Sun, 29 Feb 1900 08:49:37 GMT", "Sunday, 31-Apr-94 08:49:37 GMT",
        "Sun Feb 30 08:49:37 1994", "Sun Nov  0 08:49:37 1994", "Sun, 06 Foo 1994 08:49:37 GMT",
    ])
    func outOfRange(text: String) {
        #expect(Self.parse(text) == nil)
    }

    @Test("garbage and near misses are no date", arguments: [
        "", "soon", "GMT", "Sun", "Sun,", "0", "-1",
        "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 GMT ",
        " Sun, 06 Nov 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun,06 Nov 1994 08:49:37 GMT", "Sun, 06-Nov-1994 08:49:37 GMT", "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Nov 1994 08:49 GMT", "Sun, 06 November 1994 08:49:37 GMT", "Sunday, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06-Nov-94 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT", "Funday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 94", "Sun Nov  6 08:49:37 1994 GMT",
        "Sunday Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 GMT\u{0}", "Sun, ０6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 gmt", "Sun, 06 Nov +994 08:49:37 GMT",
    ])
    func garbage(text: String) {
        #expect(Self.parse(text) == nil)
    }

    @Test("Retry-After: seconds, or any HTTP-date as the wait from now, capped and never negative")
    func retryAfter() {
        let now = Date(timeIntervalSince1970: 784_111_777)
        #expect(RetryPolicy.parseRetryAfter("120") == 60_000)
        #expect(RetryPolicy.parseRetryAfter(" 7 ") == 7000)
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now: now) == 10_000)
        #expect(RetryPolicy.parseRetryAfter("Sunday, 06-Nov-94 08:49:47 GMT", now: now) == 10_000)
        #expect(RetryPolicy.parseRetryAfter("Sun Nov  6 08:49:47 1994", now: now) == 10_000)
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 09:49:37 GMT", now: now) == 60_000)
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == 0)
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:49:37.5 GMT", now: now) == nil)
        // Part of a second still to go counts.
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:49:38 GMT", now: Date(timeIntervalSince1970: 784_111_776.75)) == 1250)
        #expect(RetryPolicy.parseRetryAfter(nil) == nil)
        #expect(RetryPolicy.parseRetryAfter("   ") == nil)
    }
}
