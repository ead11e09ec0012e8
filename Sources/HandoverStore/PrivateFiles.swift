import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The data folder holds password hashes, every handover and the server secret: only the
/// server's user may read it, whatever the umask. Modes are set explicitly (not left to
/// creation flags, which the umask filters), and tightened on folders and files made by an
/// older version.
public enum PrivateFiles {
    public static let directoryMode: mode_t = 0o700
    public static let fileMode: mode_t = 0o600

    /// Creates `path` (and any missing parents) 0700. A folder that already exists keeps its
    /// mode, since it may be the user's own (`--database ~/handover.sqlite`); the files in it
    /// are 0600 all the same. The exception is the default data folder, which only Handover
    /// makes: older versions made it 0755, and it is tightened.
    public static func prepareDirectory(_ path: String) throws {
        guard !path.isEmpty else { return }
        var isFolder: ObjCBool = false
        let existed = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        if !existed { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        if !existed || (path as NSString).lastPathComponent == defaultFolderName { try setMode(directoryMode, of: path) }
    }

    /// The folder of `DatabaseLocation.defaultSQLite`.
    static let defaultFolderName = "handover-data"

    /// Makes the database file's folder private and creates the file 0600 before SQLite opens
    /// it: SQLite gives its `-wal` and `-shm` files the database file's mode.
    public static func prepareDatabaseFile(at path: String) throws {
        try prepareDirectory((path as NSString).deletingLastPathComponent)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else {
            throw StoreError.configuration("cannot create the database file \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try setMode(fileMode, of: file)
        }
    }

    /// Writes `contents` to a new file at `path` that is 0600 from the moment it exists.
    public static func createFile(at path: String, contents: [UInt8]) throws {
        try prepareDirectory((path as NSString).deletingLastPathComponent)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else {
            throw StoreError.configuration("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        try setMode(fileMode, of: path)
        var written = 0
        while written < contents.count {
            let result = contents[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard result > 0 else { throw StoreError.configuration("cannot write \(path): \(String(cString: strerror(errno)))") }
            written += result
        }
    }

    public static func setMode(_ mode: mode_t, of path: String) throws {
        guard chmod(path, mode) == 0 else {
            throw StoreError.configuration("cannot restrict \(path) to mode \(String(mode, radix: 8)): \(String(cString: strerror(errno)))")
        }
    }
}
