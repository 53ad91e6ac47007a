/// An HTTP-date (RFC 9110 section 5.6.7) as seconds since 1970, in any of its three forms:
///
///     Sun, 06 Nov 1994 08:49:37 GMT    IMF-fixdate, what senders must use
///     Sunday, 06-Nov-94 08:49:37 GMT   obsolete RFC 850 form
///     Sun Nov  6 08:49:37 1994         ANSI C's asctime() form
///
/// A parser of its own, not a date formatter: formatters need ICU, and the grammar is fixed.
/// Day and month names match in any case (recipients should be robust); the day name is not
/// checked against the date. Every field must be in range (hour 0-23, minute 0-59, second 0-60
/// for a leap second, a day the month has), else the text is no date.
package enum HTTPDate {
    /// Seconds since 1970-01-01T00:00:00Z, or nil when `text` is not an HTTP-date.
    /// `now` (seconds since 1970) places an RFC 850 two-digit year: one that would be more than
    /// 50 years ahead is the most recent past year with those digits (RFC 9110 says so).
    package static func parse(_ text: some StringProtocol, now: Int64) -> Int64? {
        var s = Scanner(Array(text.utf8))
        guard let name = s.letters() else { return nil }
        if s.take(",") {
            guard s.take(" ") else { return nil }
            if weekdays.contains(name) {
                // IMF-fixdate: dd SP Mon SP yyyy SP hh:mm:ss SP GMT
                guard let day = s.digits(2), s.take(" "), let month = s.month(), s.take(" "),
                      let year = s.digits(4), s.take(" "), let time = s.time(), s.take(" GMT"), s.atEnd
                else { return nil }
                return seconds(year: year, month: month, day: day, time: time)
            }
            guard longWeekdays.contains(name) else { return nil }
            // RFC 850: dd-Mon-yy SP hh:mm:ss SP GMT
            guard let day = s.digits(2), s.take("-"), let month = s.month(), s.take("-"),
                  let yy = s.digits(2), s.take(" "), let time = s.time(), s.take(" GMT"), s.atEnd
            else { return nil }
            return seconds(year: fullYear(yy, now: now), month: month, day: day, time: time)
        }
        // asctime: Mon SP (dd / SP d) SP hh:mm:ss SP yyyy
        guard weekdays.contains(name), s.take(" "), let month = s.month(), s.take(" ") else { return nil }
        let day: Int
        if s.take(" ") {
            guard let d = s.digits(1) else { return nil }
            day = d
        } else {
            guard let d = s.digits(2) else { return nil }
            day = d
        }
        guard s.take(" "), let time = s.time(), s.take(" "), let year = s.digits(4), s.atEnd else { return nil }
        return seconds(year: year, month: month, day: day, time: time)
    }

    private static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    private static let longWeekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    private static func fullYear(_ yy: Int, now: Int64) -> Int {
        let currentYear = civil(daysSince1970: now >= 0 ? now / 86_400 : (now - 86_399) / 86_400)
        var year = currentYear - currentYear % 100 + yy
        if year > currentYear + 50 { year -= 100 }
        return year
    }

    private static func seconds(year: Int, month: Int, day: Int, time: (h: Int, m: Int, s: Int)) -> Int64? {
        guard day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        let days = daysSince1970(year: year, month: month, day: day)
        return days * 86_400 + Int64(time.h * 3600 + time.m * 60 + time.s)
    }

    private static func isLeap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil).
    private static func daysSince1970(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The year of a day counted from 1970-01-01 (the inverse, for the year alone).
    private static func civil(daysSince1970 days: Int64) -> Int {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        return Int(yoe + era * 400 + (month <= 2 ? 1 : 0))
    }

    /// Bytes read left to right; every step either consumes what it expects or fails.
    private struct Scanner {
        let bytes: [UInt8]
        var i = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { i == bytes.count }

        mutating func take(_ literal: StaticString) -> Bool {
            let n = literal.utf8CodeUnitCount
            guard bytes.count - i >= n else { return false }
            let matches = literal.withUTF8Buffer { lit in (0..<n).allSatisfy { bytes[i + $0] == lit[$0] } }
            if matches { i += n }
            return matches
        }

        /// ASCII letters, lower-cased; nil when there are none.
        mutating func letters() -> String? {
            var out: [UInt8] = []
            while i < bytes.count, case let b = bytes[i] | 0x20, b >= UInt8(ascii: "a"), b <= UInt8(ascii: "z") {
                out.append(b)
                i += 1
            }
            return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
        }

        /// Exactly `count` ASCII digits.
        mutating func digits(_ count: Int) -> Int? {
            guard bytes.count - i >= count else { return nil }
            var value = 0
            for b in bytes[i..<(i + count)] {
                guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(b - UInt8(ascii: "0"))
            }
            i += count
            return value
        }

        /// A three-letter month name, 1-12.
        mutating func month() -> Int? {
            let start = i
            guard let name = letters(), let m = HTTPDate.months.firstIndex(of: name) else { i = start; return nil }
            return m + 1
        }

        /// hh:mm:ss in range (a second of 60 is a leap second).
        mutating func time() -> (h: Int, m: Int, s: Int)? {
            guard let h = digits(2), take(":"), let m = digits(2), take(":"), let s = digits(2),
                  h <= 23, m <= 59, s <= 60 else { return nil }
            return (h, m, s)
        }
    }
}
