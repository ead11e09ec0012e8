import Foundation
import HandoverServer
import HandoverServices
import HandoverStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The data folder holds password hashes and every handover: 0700, and the database, its WAL
/// and shared-memory files and the server secret 0600, whatever the umask.
@Suite(.serialized) struct DataFilesTests {
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
    }

    @Test func theDataFolderAndItsFilesArePrivateWhateverTheUmask() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-modes-\(UUID().uuidString)/data").path
        let database = folder + "/handover.sqlite"
        // The most permissive umask; restored before the test ends.
        let previous = umask(0)
        defer { umask(previous) }
        let store = try await SQLHandoverStore.open(.sqlite(path: database))
        _ = try ServerSecret.loadOrCreate(at: folder + "/secret.key")
        #expect(try Self.mode(folder) == 0o700)
        for file in [database, database + "-wal", database + "-shm", folder + "/secret.key"] {
            #expect(FileManager.default.fileExists(atPath: file), "\(file) should exist while the store is open")
            #expect(try Self.mode(file) == 0o600, "\(file)")
        }
        try await store.database.close()

        // Files an older version left readable are tightened on the next start. A folder that
        // was there already keeps its mode (it may be someone's home folder).
        for file in [database, folder + "/secret.key"] { chmod(file, 0o644) }
        chmod(folder, 0o755)
        let reopened = try await SQLHandoverStore.open(.sqlite(path: database))
        _ = try ServerSecret.loadOrCreate(at: folder + "/secret.key")
        #expect(try Self.mode(folder) == 0o755)
        #expect(try Self.mode(database) == 0o600)
        #expect(try Self.mode(folder + "/secret.key") == 0o600)
        try await reopened.database.close()

        // The default data folder is Handover's own: made 0755 by an older version, tightened.
        let legacy = FileManager.default.temporaryDirectory.appendingPathComponent("handover-modes-\(UUID().uuidString)/handover-data").path
        try FileManager.default.createDirectory(atPath: legacy, withIntermediateDirectories: true)
        chmod(legacy, 0o755)
        let old = try await SQLHandoverStore.open(.sqlite(path: legacy + "/handover.sqlite"))
        #expect(try Self.mode(legacy) == 0o700)
        try await old.database.close()
    }
}
