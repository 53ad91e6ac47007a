import Diagnostics
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the simulator writes its `url` images: a private folder made for this process
/// (`mkdtemp`, mode 0700, removed at exit), or a folder inside an image directory of the user's
/// (`--image-dir`, or the MCP face's, whose links must outlive the process).
/// Never a fixed name in a shared directory, where someone else could plant a symlink.
/// Made when the first image is written, so a process that writes none leaves nothing behind.
package final class SimulatorFolder: Sendable {
    private let imageDirectory: @Sendable () -> String?
    /// The folder, and whether this process made it in the temporary directory.
    private let made = Locked<(path: String, owned: Bool)?>(nil)

    /// `imageDirectory` is asked when the first image is written: nil means a private temporary folder.
    package init(insideImageDirectory imageDirectory: @escaping @Sendable () -> String?) {
        self.imageDirectory = imageDirectory
    }

    package convenience init(insideImageDirectory imageDirectory: String?) {
        self.init(insideImageDirectory: { imageDirectory })
    }

    /// The folder, if it was made.
    package var existing: String? { made.current?.path }

    /// The folder, made now if need be; nil when it cannot be made.
    package func path() -> String? {
        made.withLock { slot in
            if let p = slot { return p.path }
            slot = make()
            return slot?.path
        }
    }

    private func make() -> (path: String, owned: Bool)? {
        if let imageDirectory = imageDirectory() {
            let dir = URL(fileURLWithPath: imageDirectory).appendingPathComponent("simulator")
            // A `simulator` planted as a symlink would have our files written wherever it points.
            guard PrivateFolder.create(imageDirectory), PrivateFolder.own(dir.path) else { return nil }
            return (dir.resolvingSymlinksInPath().path, false)
        }
        var template = Array((FileBytes.temporaryDirectory + "/aitoearn-rpc-sim-XXXXXX").utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { return nil }
        return (URL(fileURLWithPath: String(cString: dir)).resolvingSymlinksInPath().path, true)
    }

    /// Removes these files (names inside the folder) if this process made the folder: the images
    /// of jobs the simulator forgot. In a user's image directory they stay, like saved images.
    package func discard(_ names: [String]) {
        guard let m = made.current, m.owned else { return }
        for name in names { _ = unlink(m.path + "/" + name) }
    }

    /// Removes the folder if this process made it in the temporary directory.
    package func remove() {
        guard let m = made.current, m.owned else { return }
        try? FileManager.default.removeItem(atPath: m.path)
    }
}
