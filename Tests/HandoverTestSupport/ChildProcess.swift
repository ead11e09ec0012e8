import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process for the test helpers that run Python (the SMTP server, the calendar parser,
/// the webhook receiver), started with `posix_spawn`. Foundation's `Process.run()` on Linux
/// reads `/proc/self/fd` with a 256-byte over-read of each directory entry
/// (swiftlang/swift-corelibs-foundation#5472, fixed after the 6.3.1 toolchain here), and a test
/// process with many descriptors open crashed on it now and then (SIGSEGV in `memcpy`). The
/// surface is the part of `Process` the helpers use.
public final class ChildProcess: @unchecked Sendable {
    public var executableURL: URL?
    public var arguments: [String] = []
    /// A `Pipe` or a `FileHandle` (`FileHandle.nullDevice` for /dev/null); nil: inherited.
    public var standardInput: Any?
    public var standardOutput: Any?
    public var standardError: Any?
    public private(set) var processIdentifier: pid_t = 0
    private let exit = NSLock()
    private var waitStatus: Int32?

    public init() {}

    public func run() throws {
        guard let path = executableURL?.path else { throw POSIXError(.ENOENT) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        func attach(_ value: Any?, to target: Int32, childReads: Bool) {
            let fd: Int32
            switch value {
            case let pipe as Pipe: fd = childReads ? pipe.fileHandleForReading.fileDescriptor : pipe.fileHandleForWriting.fileDescriptor
            case let handle as FileHandle: fd = handle === FileHandle.nullDevice ? -1 : handle.fileDescriptor
            default: return
            }
            if fd < 0 {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", childReads ? O_RDONLY : O_WRONLY, 0)
            } else if fd != target {
                posix_spawn_file_actions_adddup2(&actions, fd, target)
            }
        }
        attach(standardInput, to: 0, childReads: true)
        attach(standardOutput, to: 1, childReads: false)
        attach(standardError, to: 2, childReads: false)
        // Nothing else of ours reaches the child (Foundation closes them too).
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        processIdentifier = pid
        // The child's ends of the pipes are its own now: closing ours lets EOF arrive when it exits.
        if let pipe = standardInput as? Pipe { try? pipe.fileHandleForReading.close() }
        if let pipe = standardOutput as? Pipe { try? pipe.fileHandleForWriting.close() }
        if let pipe = standardError as? Pipe { try? pipe.fileHandleForWriting.close() }
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not declare; nil where the C library lacks it.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    public func terminate() {
        guard processIdentifier > 0 else { return }
        kill(processIdentifier, SIGTERM)
    }

    /// Whether it has not exited yet (reaps it if it has).
    public var isRunning: Bool {
        exit.withLock {
            guard waitStatus == nil, processIdentifier > 0 else { return false }
            var status: Int32 = 0
            let reaped = waitpid(processIdentifier, &status, WNOHANG)
            if reaped == processIdentifier { waitStatus = status }
            return reaped == 0
        }
    }

    public func waitUntilExit() {
        exit.withLock {
            guard waitStatus == nil, processIdentifier > 0 else { return }
            var status: Int32 = 0
            while waitpid(processIdentifier, &status, 0) == -1 && errno == EINTR {}
            waitStatus = status
        }
    }

    /// The exit code, or 128 + the signal that ended it.
    public var terminationStatus: Int32 {
        let status = exit.withLock { waitStatus } ?? 0
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
