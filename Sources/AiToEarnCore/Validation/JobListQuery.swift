/// `task.list`'s params: which of the caller's jobs, and which page of them. Checked locally
/// before anything is sent, as every method's params are.
package struct JobListQuery: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable { case image, video }
    /// The statuses the service's job list filters on, for every kind of job.
    package static let statuses = ["generating", "success", "failed"]
    package static let maxPageSize: Int64 = 100

    package var kind: Kind = .image
    package var status: String?
    package var model: String?
    package var page: Int64 = 1
    package var pageSize: Int64 = 20

    package init() {}

    /// Reads the fields under their names (`pageField` names the page size: `pageSize`, or `page_size` for a tool).
    package static func read(_ r: inout FieldReader, pageSizeField: String = "pageSize") -> JobListQuery {
        var q = JobListQuery()
        if let k = r.oneOf("kind", Kind.allCases.map(\.rawValue)).flatMap(Kind.init(rawValue:)) { q.kind = k }
        q.status = r.oneOf("status", statuses)
        q.model = r.string("model", nonEmpty: true)
        if let p = r.integer("page", in: 1...1_000_000) { q.page = p }
        if let s = r.integer(pageSizeField, in: 1...maxPageSize) { q.pageSize = s }
        return q
    }

    /// The query string's members, as the service names them.
    package var items: [(String, String)] {
        var items = [("type", kind.rawValue)]
        if let status { items.append(("status", status)) }
        if let model { items.append(("model", model)) }
        items += [("page", String(page)), ("pageSize", String(pageSize))]
        return items
    }
}
