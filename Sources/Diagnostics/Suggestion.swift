/// "Did you mean …?" for a misspelt name: the closest candidate by edit distance, when it is
/// close enough to be a typo rather than another word.
package enum Suggestion {
    /// The candidate nearest to `word`, or nil when none is within a third of its length (at least 2 edits).
    package static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        // A hint is for typos: a long word, or one whose length is far from a candidate's, gets
        // none, cheaply (unknown methods may arrive by the hundred thousand).
        let length = word.utf8.count
        guard length <= 64 else { return nil }
        let limit = max(2, length / 3)
        let lowered = word.lowercased()
        var best: (String, Int)?
        for c in candidates where c != word && abs(c.utf8.count - length) <= limit + 2 {
            let d = distance(lowered, c.lowercased())
            if d <= limit && d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    /// " (did you mean \"x\"?)", or "" when nothing is close.
    package static func hint(for word: String, among candidates: some Sequence<String>) -> String {
        closest(to: word, among: candidates).map { " (did you mean \"\($0)\"?)" } ?? ""
    }

    /// Levenshtein distance, with `_`/`-` and letter case differences free (so `responseFormat`
    /// finds `response_format`).
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.filter { $0 != "_" && $0 != "-" }), y = Array(b.filter { $0 != "_" && $0 != "-" })
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }
}
