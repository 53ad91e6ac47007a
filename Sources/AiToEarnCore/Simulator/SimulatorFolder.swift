import Diagnostics
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the simulator writes its `url` images: a private folder made for this process
/// (`mkdtemp`, mode 0700, removed at exit), or a folder inside the user's `--image-dir`.
/// Never a fixed name in a shared directory, where someone else could plant a symlink.
/// Made when the first image is written, so a process that writes none leaves nothing behind.
public final class SimulatorFolder: Sendable {
    private let imageDirectory: String?
    private let made = Locked<String?>(nil)

    public init(insideImageDirectory imageDirectory: String?) {
        self.imageDirectory = imageDirectory
    }

    /// The folder, if it was made.
    public var existing: String? { made.current }

    /// The folder, made now if need be; nil when it cannot be made.
    public func path() -> String? {
        made.withLock { slot in
            if let p = slot { return p }
            slot = make()
            return slot
        }
    }

    private func make() -> String? {
        if let imageDirectory {
            let dir = URL(fileURLWithPath: imageDirectory).appendingPathComponent("simulator")
            guard (try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true,
                                                             attributes: [.posixPermissions: 0o700])) != nil else { return nil }
            return dir.resolvingSymlinksInPath().path
        }
        var template = Array((NSTemporaryDirectory() + "/aitoearn-rpc-sim-XXXXXX").utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { return nil }
        return URL(fileURLWithPath: String(cString: dir)).resolvingSymlinksInPath().path
    }

    /// Removes the folder if this process made it in the temporary directory.
    public func remove() {
        guard imageDirectory == nil, let p = existing else { return }
        try? FileManager.default.removeItem(atPath: p)
    }
}
