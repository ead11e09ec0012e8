import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `import.run`: reads the upload row by row and upserts it in batches.
public enum ImportJob {
    public static let kind = JobKind.importRun

    public static func handler(imports: ImportService) -> JobHandler {
        { job in try await imports.execute(job) }
    }
}

extension ImportService {
    /// Rows parsed per step. Parsing runs on the blocking pool, a step at a time, while the
    /// previous step's rows are written: two steps in memory at most.
    static let rowsPerStep = 2_000
    /// How often the run's progress is written.
    static let progressInterval: TimeInterval = 0.5

    /// Runs the import from the start of its file: a run cut short (a crash, a lost lease) runs
    /// again and upserts the same rows, so nothing is duplicated. A strict import reads the file
    /// once to find bad rows, and writes only if there are none.
    public func execute(_ job: Job) async throws {
        struct Payload: Decodable { var `import`: String }
        guard let organizationID = job.organizationID else { return }
        let id = try JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8)).import
        guard var run = try await store.importRun(id: id, organizationID: organizationID), !run.state.isFinished,
            let source = run.source.flatMap(ImportSource.named)
        else { return }
        let path = uploadPath(run.id)
        let lease = lease(of: job)
        run.state = .running
        run.startedAt = clock.now()
        run.updatedAt = run.startedAt!
        (run.rowsRead, run.rowsImported, run.rowsBad, run.rowsUnlinked, run.problems, run.error) = (0, 0, 0, 0, [], nil)
        guard access(path, R_OK) == 0 else {
            try await finish(&run, error: "the uploaded file is no longer on the server; upload it again")
            return
        }
        try await store.saveImport(run, enqueue: nil, audit: nil, from: nil)
        do {
            if run.strict {
                try await pass(&run, source: source, path: path, write: false, lease: lease)
                if run.rowsBad > 0 {
                    try await finish(&run, error: "\(run.rowsBad) bad rows, and the import is strict: nothing was imported")
                    unlink(path)
                    return
                }
                (run.rowsRead, run.rowsImported, run.rowsUnlinked) = (0, 0, 0)
            }
            try await pass(&run, source: source, path: path, write: true, lease: lease)
            try await finish(&run, error: nil)
        } catch let error as ImportReader.Unreadable {
            let kept = run.strict ? "nothing was imported" : "the \(run.rowsImported) good rows before it were imported"
            try await finish(&run, error: "\(error.message); \(kept)")
        } catch  where job.attempts >= job.maxAttempts && !(error is LeaseLost) {
            // The job's last try (the runner records why, in the job): the run must not stay
            // "importing" for ever. Its rows so far stay; importing the file again completes it.
            try? await finish(&run, error: "the import stopped after \(job.attempts) tries (see 'handover jobs list'); importing the file again completes it")
            unlink(path)
            throw error
        }
        unlink(path)
    }

    /// Another runner took the job over (this one's lease ran out unrenewed): stop, it goes on.
    struct LeaseLost: Error {}

    /// Renews the job's claim for as long as it was first given, each time progress is written:
    /// a long import is never claimed twice, and one whose process died is claimed again soon.
    private func lease(of job: Job) -> @Sendable () async throws -> Void {
        let started = clock.now()
        let length = max(1, (job.lockedUntil ?? started.addingTimeInterval(300)).timeIntervalSince(started))
        return { [store, clock] in
            guard let runner = job.lockedBy else { return }
            guard try await store.renewJobLease(id: job.id, runner: runner, until: clock.now().addingTimeInterval(length)) else { throw LeaseLost() }
        }
    }

    private func finish(_ run: inout ImportRun, error: String?) async throws {
        let now = clock.now()
        run.state = error == nil ? .done : .failed
        run.error = error
        run.finishedAt = now
        run.updatedAt = now
        struct Summary: Encodable {
            var file: String, source: String?, imported: Int, bad: Int, unlinked: Int, state: String
        }
        let digest = try CanonicalJSON.digest(
            Summary(
                file: run.fileName, source: run.source, imported: run.rowsImported, bad: run.rowsBad, unlinked: run.rowsUnlinked,
                state: run.state.rawValue))
        try await store.saveImport(run, enqueue: nil, audit: AuditRecord(action: "import.run", target: "import:\(run.id)", digest: digest), from: nil)
    }

    /// One read of the file: parse a step of rows on the blocking pool, link them, and write
    /// them while the next step is parsed.
    private func pass(
        _ run: inout ImportRun, source: ImportSource, path: String, write: Bool, lease renew: @escaping @Sendable () async throws -> Void
    ) async throws {
        let organizationID = run.organizationID
        let linker = AccountLinker(
            accounts: try await store.accountNames(organizationID: organizationID),
            companies: try await store.importedCompanyLinks(organizationID: organizationID, system: source.system))
        let parser = try await NIOThreadPool.singleton.runIfActive { [run] in
            try StepParser(reader: ImportReader(path: path, format: run.format), source: source, run: run, linker: linker)
        }
        // The previous step's writes: its rows, then (twice a second) the run's progress and the
        // job's lease, in that order, while this step is parsed.
        var writing: Task<Void, any Error>?
        var lastSaved = clock.now()
        while true {
            let step = try await NIOThreadPool.singleton.runIfActive { try parser.step() }
            try await writing?.value
            writing = nil
            run.rowsRead += step.rows
            run.rowsBad += step.problems.count
            let room = ImportRun.problemsKept - run.problems.count
            if room > 0 { run.problems += step.problems.flatMap(\.problems).prefix(room) }
            var batch: [ImportedRecord] = []
            if write, !step.records.isEmpty {
                run.rowsImported += step.records.count
                run.rowsUnlinked += step.records.reduce(0) { $0 + ($1.accountID == nil ? 1 : 0) }
                batch = Self.lastOfEachKey(step.records)
            }
            let now = clock.now()
            var progress: ImportRun?
            if !step.ended, step.failure == nil, now.timeIntervalSince(lastSaved) >= Self.progressInterval {
                run.updatedAt = now
                progress = run
                lastSaved = now
            }
            if !batch.isEmpty || progress != nil {
                writing = Task { [store, batch, progress] in
                    if !batch.isEmpty { try await store.upsertImportedRecords(batch, organizationID: organizationID) }
                    if let progress {
                        try await store.saveImport(progress, enqueue: nil, audit: nil, from: nil)
                        try await renew()
                    }
                }
            }
            if let failure = step.failure {
                try await writing?.value
                throw failure
            }
            if step.ended { break }
        }
        try await writing?.value
    }

    /// A file may list a row twice (an export taken while it changed): the later one wins, as it
    /// would across two imports.
    static func lastOfEachKey(_ records: [ImportedRecord]) -> [ImportedRecord] {
        var seen = Set<String>()
        var kept: [ImportedRecord] = []
        for record in records.reversed() where seen.insert(record.externalID).inserted { kept.append(record) }
        return kept.reversed()
    }
}

/// What one step parsed.
struct ImportStep: Sendable {
    var rows: Int
    var records: [ImportedRecord]
    var problems: [ImportRowProblems]
    var ended: Bool
    /// Why the file could not be read on (the step's rows before it are good).
    var failure: ImportReader.Unreadable?
}

/// The reader and linker of one pass. Only ever used by one step at a time (each step is awaited
/// before the next starts), which is what makes the unchecked Sendable sound.
private final class StepParser: @unchecked Sendable {
    let reader: ImportReader
    let rows: ImportRowReader
    let linker: AccountLinker
    let run: ImportRun

    init(reader: ImportReader, source: ImportSource, run: ImportRun, linker: AccountLinker) throws {
        // The run's mapping names the headers the upload had; a file changed since cannot match.
        guard reader.headers == run.headers else { throw ImportReader.Unreadable(message: "the file's header row changed since it was uploaded") }
        self.reader = reader
        self.rows = ImportRowReader(source: source, mapping: run.mapping, headers: reader.headers)
        self.linker = linker
        self.run = run
    }

    func step() throws -> ImportStep {
        var step = ImportStep(rows: 0, records: [], problems: [], ended: false)
        step.records.reserveCapacity(ImportService.rowsPerStep)
        let importedAt = run.startedAt ?? run.createdAt
        while step.rows < ImportService.rowsPerStep {
            let next: ImportReader.Row?
            do {
                next = try reader.nextRow()
            } catch let error as ImportReader.Unreadable {
                // The rows before it still count; the pass stops after writing them.
                step.failure = error
                next = nil
            }
            guard let row = next else {
                step.ended = true
                break
            }
            step.rows += 1
            switch row {
            case .bad(let number, let reason):
                step.problems.append(ImportRowProblems(problems: [ImportProblem(row: number, column: nil, reason: reason)]))
            case .values(let number, let fields):
                let provenance = ImportedRecord.Provenance(importID: run.id, file: run.fileName, row: number, importedAt: importedAt)
                switch rows.record(fields, row: number, provenance: provenance) {
                case .success(var record):
                    record.accountID = linker.link(record)
                    step.records.append(record)
                case .failure(let problems):
                    step.problems.append(problems)
                }
            }
        }
        return step
    }
}

/// Finds the Handover account an imported row belongs to, by what the source calls it: the id
/// of a company imported from the same system (a Salesforce case's AccountId), else a Handover
/// account id, else an account's name (case and surrounding spaces aside).
final class AccountLinker: @unchecked Sendable {
    private let ids: Set<String>
    private let names: [String: String]
    /// Grows as the pass links companies, so a file of companies and then their tickets works.
    private var companies: [String: String]
    /// Names as written in this file, already looked up: a million tickets name a few thousand
    /// accounts, each spelled the same way each time.
    private var byName: [String: String?] = [:]

    init(accounts: [(id: String, name: String)], companies: [String: String]) {
        ids = Set(accounts.map(\.id))
        var names: [String: String] = [:]
        for account in accounts where names[Self.key(account.name)] == nil { names[Self.key(account.name)] = account.id }
        self.names = names
        self.companies = companies
    }

    static func key(_ name: String) -> String { ImportRowReader.trimmed(name).lowercased() }

    func link(_ record: ImportedRecord) -> String? {
        guard let ref = record.accountRef else { return nil }
        let found: String?
        if record.kind != .company, let id = companies[ref] {
            found = id
        } else if ids.contains(ref) {
            found = ref
        } else if let known = byName[ref] {
            found = known
        } else {
            found = names[Self.key(ref)]
            if byName.count < 100_000 { byName[ref] = found }
        }
        if record.kind == .company, let found { companies[record.externalID] = found }
        return found
    }
}
