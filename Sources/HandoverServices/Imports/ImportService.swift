import Foundation
import HandoverCore
import HandoverStore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct ImportSettings: Sendable {
    /// Where uploads wait for their job (`<directory>/<import id>.upload`); each is deleted once
    /// its import finished.
    public var directory: String
    /// The largest upload, in bytes (HANDOVER_IMPORT_MAX_BYTES; 2 GB by default).
    public var maxBytes: Int64

    public static let defaultMaxBytes: Int64 = 2_000_000_000

    public init(directory: String = NSTemporaryDirectory() + "handover-imports", maxBytes: Int64 = ImportSettings.defaultMaxBytes) {
        self.directory = directory
        self.maxBytes = maxBytes
    }
}

/// What an upload asks for.
public struct ImportRequest: Sendable {
    public var fileName: String
    /// `ImportSource.id`; nil to recognize it from the headers.
    public var source: String?
    /// `field=Column` pairs over the saved or suggested mapping.
    public var mapping: [String]
    public var strict: Bool
    /// Stop after the upload so a person can check the mapping (the web always does).
    public var review: Bool

    public init(fileName: String, source: String? = nil, mapping: [String] = [], strict: Bool = false, review: Bool = false) {
        self.fileName = fileName
        self.source = source
        self.mapping = mapping
        self.strict = strict
        self.review = review
    }
}

/// Imports of CRM and ticket exports (Docs/Imports.md). An admin uploads a file; it is streamed
/// to disk, its source recognized from its headers and its columns mapped (the organization's
/// saved mapping for that source, else a suggestion); the `import.run` job then reads it row by
/// row and upserts the rows by external id, linked to accounts, each with its provenance.
/// Admins import; admins and auditors see the runs; every member sees an account's imported rows.
public struct ImportService: Sendable {
    let store: any HandoverStore
    let clock: WallClock
    let ids: IDMaker
    public let settings: ImportSettings

    public init(store: any HandoverStore, clock: WallClock, ids: IDMaker, settings: ImportSettings) {
        self.store = store
        self.clock = clock
        self.ids = ids
        self.settings = settings
    }

    /// How many runs a list shows.
    public static let listLimit = 50

    public func checkUpload(_ request: ImportRequest, by actor: Member) throws {
        guard actor.role == .admin else { throw HandoverError.notPermitted(action: "import", reason: "only admins import exports") }
        var problems: [Problem] = []
        let name = request.fileName.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 255 || name.contains("/") || name.unicodeScalars.contains(where: { $0.value < 32 }) {
            problems.append(Problem(path: "name", message: "give the file's name, up to 255 characters, without a slash"))
        }
        if let source = request.source, ImportSource.named(source) == nil {
            problems.append(Problem(path: "source", message: "\"\(source.prefix(40))\" is not a source; sources: \(ImportSource.all.map(\.id).joined(separator: ", "))"))
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        _ = try ImportMapping.parse(request.mapping, over: ImportMapping())
    }

    /// Streams the body to disk, reads its header row and maps it; then queues the import, or
    /// leaves it for review (asked to, or when the file's source or mapping needs a person).
    /// A refused upload leaves no file and no run.
    public func upload<S: AsyncSequence>(_ request: ImportRequest, body: S, by actor: Member) async throws -> ImportRun
    where S.Element: Collection, S.Element.Element == UInt8 {
        try checkUpload(request, by: actor)
        let blobs = AttachmentBlobs(directory: settings.directory)
        let received = try await blobs.receive(body, limit: settings.maxBytes)
        defer { blobs.discard(received) }
        if received.size == 0 { throw HandoverError.invalid([Problem(path: "body", message: "is empty; send the export's bytes")]) }
        let now = clock.now()
        let id = ids.next(at: now)
        let path = uploadPath(id)
        guard rename(received.temporaryPath, path) == 0 else { throw StoreError.configuration("cannot keep the upload at \(path)") }
        do {
            let name = request.fileName.trimmingCharacters(in: .whitespaces)
            let format = ImportRun.Format.of(fileName: name, firstByte: received.head.first { ![9, 10, 13, 32, 0xEF, 0xBB, 0xBF].contains($0) })
            let (headers, estimate) = try await NIOThreadPool.singleton.runIfActive {
                do {
                    return (try ImportReader(path: path, format: format).headers, try ImportReader.estimateRows(path: path, format: format))
                } catch let error as ImportReader.Unreadable {
                    throw HandoverError.invalid([Problem(path: "body", message: error.message)])
                }
            }
            let source = request.source.flatMap(ImportSource.named) ?? ImportSource.recognize(headers: headers)
            var mapping = ImportMapping()
            if let source {
                // The saved choice for each field whose columns this file has; a suggestion for the rest.
                mapping = source.suggestedMapping(headers: headers)
                let present = Set(headers)
                for (field, columns) in try await store.importMapping(organizationID: actor.organizationID, source: source.id)?.columns ?? [:]
                where columns.allSatisfy(present.contains) {
                    mapping.columns[field] = columns
                }
            }
            mapping = try ImportMapping.parse(request.mapping, over: mapping)
            var run = ImportRun(
                id: id, organizationID: actor.organizationID, createdBy: actor.id, fileName: name, format: format, bytes: received.size,
                source: source?.id, headers: headers, mapping: mapping, strict: request.strict, state: .review, rowsEstimated: estimate, createdAt: now)
            if !request.review {
                // Asked to run at once: what would need a person is refused, not left waiting.
                try Self.checkRunnable(run)
            }
            try await store.createImport(run)
            if !request.review { run = try await queue(run, by: actor) }
            return run
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Starts an import left for review, with the source and mapping a person confirmed.
    public func start(id: String, source: String?, mapping: ImportMapping?, strict: Bool?, by actor: Member) async throws -> ImportRun {
        guard actor.role == .admin else { throw HandoverError.notPermitted(action: "import", reason: "only admins import exports") }
        guard var run = try await store.importRun(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("import \(id)") }
        guard run.state == .review else { throw HandoverError.conflict("this import has already started (it is \(run.state.rawValue))") }
        if let source {
            guard ImportSource.named(source) != nil else {
                throw HandoverError.invalid([Problem(path: "source", message: "\"\(source.prefix(40))\" is not a source")])
            }
            run.source = source
        }
        if let mapping { run.mapping = mapping }
        if let strict { run.strict = strict }
        try Self.checkRunnable(run)
        return try await queue(run, by: actor)
    }

    static func checkRunnable(_ run: ImportRun) throws {
        guard run.source != nil else {
            throw HandoverError.invalid([
                Problem(
                    path: "source",
                    message: "the file's headers match no known export; say which it is: \(ImportSource.all.map(\.id).joined(separator: ", "))")
            ])
        }
        let problems = run.mapping.problems(headers: run.headers)
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
    }

    /// Saves the mapping as the organization's for the source, then queues the run with its job.
    /// Queues the run with its job (only from review: a second start is a conflict), then saves
    /// the mapping as the organization's for the source.
    private func queue(_ run: ImportRun, by actor: Member) async throws -> ImportRun {
        var run = run
        let now = clock.now()
        run.state = .queued
        run.updatedAt = now
        let job = NewJob(
            organizationID: run.organizationID, kind: JobKind.importRun, payload: #"{"import":"\#(run.id)"}"#, runAfter: now,
            maxAttempts: 3, dedupeKey: "\(JobKind.importRun):\(run.id)")
        try await store.saveImport(run, enqueue: job, audit: nil, from: .review)
        if let source = run.source {
            try await store.saveImportMapping(run.mapping, organizationID: run.organizationID, source: source, by: actor.id, at: now)
        }
        return run
    }

    public func run(id: String, by actor: Member) async throws -> ImportRun {
        try requireReader(actor)
        guard let run = try await store.importRun(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("import \(id)") }
        return run
    }

    public func runs(by actor: Member) async throws -> [ImportRun] {
        try requireReader(actor)
        return try await store.importRuns(organizationID: actor.organizationID, limit: Self.listLimit)
    }

    private func requireReader(_ actor: Member) throws {
        guard actor.role == .admin || actor.role == .auditor else {
            throw HandoverError.notPermitted(action: "read imports", reason: "only admins and auditors see imports")
        }
    }

    /// The account's imported rows, for every member of its organization (like its profile).
    public func records(accountID: String, limit: Int = 200, by actor: Member) async throws -> [ImportedRecord] {
        guard try await store.account(id: accountID, organizationID: actor.organizationID) != nil else { throw StoreError.notFound("account \(accountID)") }
        return try await store.importedRecords(accountID: accountID, organizationID: actor.organizationID, limit: limit)
    }

    func uploadPath(_ id: String) -> String { "\(settings.directory)/\(id).upload" }
}
