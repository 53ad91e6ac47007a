/// The job a status request names: an image job by its logId, or a video job by its taskId.
package enum JobRef: Sendable, Equatable {
    case image(logId: String)
    case video(taskId: String)

    /// Reads exactly one of `logId` and `taskId` (both ObjectIds: 24 hexadecimal characters).
    package static func read(_ r: inout FieldReader) -> JobRef? {
        let logId = r.string("logId")
        let taskId = r.string("taskId")
        switch (logId, taskId) {
        case (nil, nil):
            r.fail("logId", "is required: give logId (an image job) or taskId (a video job)")
            return nil
        case (.some, .some):
            r.fail("taskId", "cannot be given with logId: name one job, an image job by logId or a video job by taskId")
            return nil
        case (let id?, nil):
            guard LogID.isValid(id) else { r.fail("logId", "must be 24 hexadecimal characters (the logId a generation returned)"); return nil }
            return .image(logId: id)
        case (nil, let id?):
            guard LogID.isValid(id) else { r.fail("taskId", "must be 24 hexadecimal characters (the id video.generate returned)"); return nil }
            return .video(taskId: id)
        }
    }

    package var isVideo: Bool { if case .video = self { return true } else { return false } }
}
