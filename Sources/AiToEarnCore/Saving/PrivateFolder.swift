#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Folders the adapter keeps for itself (the MCP image folder, the simulator's): readable by
/// this user alone, and never a symlink someone else planted to have our files written elsewhere.
package enum PrivateFolder {
    /// Makes `path` and its missing parents with mode 0700; true when it is a directory afterwards.
    /// An existing folder keeps its mode: it may be one the user chose and shares on purpose.
    @discardableResult
    package static func create(_ path: String) -> Bool {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + part
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST { return false }
        }
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// A folder of this process's own at `path`: made 0700, or an existing real directory (not a
    /// symlink) owned by this user, made 0700. False for anything else, which is then not used.
    package static func own(_ path: String) -> Bool {
        if mkdir(path, 0o700) != 0 && errno != EEXIST { return false }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_uid == geteuid() else { return false }
        return st.st_mode & 0o077 == 0 || fchmod(fd, 0o700) == 0
    }

    /// Makes a file just written readable by this user alone.
    package static func makePrivate(file path: String) {
        _ = chmod(path, 0o600)
    }
}
