import ArgumentParser
import Foundation
import HandoverCore
import HandoverServices
import HandoverStore

/// `handover jobs`: the operator's view of background jobs, directly against the database
/// like `handover admin` (no server needed, and it works while servers run).
struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, retry, cancel background jobs (on the server).",
        discussion: """
            Servers run background jobs (today: signing audit-log checkpoints) from a 'jobs' table \
            in the database. A job is in one of these states:
              pending    waiting for its time (run_after), then for a server to claim it
              running    claimed by one server (locked_by) until its lease ends
                         (locked_until); if that server dies, another claims the job
                         once the lease has run out
              done       finished; deleted after 7 days
              dead       failed every attempt (see its last error); stays until retried
              cancelled  cancelled before it ran, or handed over to a newer pending job
                         of the same kind

            A failed job is retried by itself with growing random delays (about 1 s, 2 s, 4 s, …, at \
            most 10 minutes) and goes dead after its last attempt (8 by default).

            Retry a dead job once its cause is fixed (the database or a key is back, the server \
            was upgraded to one that knows the job's kind): 'handover jobs retry ID'. Handlers are \
            written so that running a job again does no harm.

            Uses HANDOVER_DATABASE_URL or --database like 'handover serve'.
            """,
        subcommands: [ListJobs.self, RetryJob.self, CancelJob.self]
    )
}

struct ListJobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List jobs, newest first.",
        discussion: "Example: handover jobs list --state dead")
    @Option(help: "Only jobs in this state: pending, running, done, dead or cancelled.") var state: JobState?
    @Option(help: "Only jobs of this kind (e.g. audit.checkpoint).") var kind: String?
    @Option(help: "At most this many (default 50).") var limit = 50
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1 to 10000") }
    }

    func run() async throws {
        let filter = JobFilter(states: state.map { [$0] }, kind: kind, limit: limit)
        let jobs = try await db.withStore { store in try await CLIErrors.run { try await JobService(store: store).jobs(filter: filter) } }
        try output.emit(["jobs": .array(jobs.map(JobsJSON.object))]) {
            guard !jobs.isEmpty else {
                print("No jobs\(state.map { " in state \($0.rawValue)" } ?? "")\(kind.map { " of kind \($0)" } ?? "").")
                return
            }
            for job in jobs {
                var line = "\(job.id)  \(job.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  \(job.kind)"
                line += "  attempts \(job.attempts)/\(job.maxAttempts)"
                switch job.state {
                case .pending: line += "  due \(Timestamp.format(job.runAfter))"
                case .running: line += "  on \(job.lockedBy ?? "?") until \(job.lockedUntil.map(Timestamp.format) ?? "?")"
                case .done, .dead, .cancelled: line += "  at \(Timestamp.format(job.updatedAt))"
                }
                if let organization = job.organizationID { line += "  org \(organization)" }
                print(line)
                if let error = job.lastError, job.state != .done { print("    last error: \(error)") }
            }
        }
    }
}

struct RetryJob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Run a dead or cancelled job again, attempts reset.",
        discussion: "Fix what its last error says first; a job whose kind has a newer pending twin is refused (that one will do the work).")
    @Argument(help: "The job's id (from 'handover jobs list').") var id: String
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let job = try await db.withStore { store in try await JobsJSON.run(id) { try await JobService(store: store).retry(id: id) } }
        try output.emit(["job": JobsJSON.object(job)]) {
            print("Job \(job.id) (\(job.kind)) is pending again; a running server picks it up within a few seconds.")
        }
    }
}

struct CancelJob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a pending job so that it never runs.",
        discussion: "A running job cannot be cancelled (it may be half done). 'handover jobs retry ID' undoes a cancel.")
    @Argument(help: "The job's id (from 'handover jobs list').") var id: String
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let job = try await db.withStore { store in try await JobsJSON.run(id) { try await JobService(store: store).cancel(id: id) } }
        try output.emit(["job": JobsJSON.object(job)]) {
            print("Job \(job.id) (\(job.kind)) is cancelled.")
        }
    }
}

extension JobState: ExpressibleByArgument {}

enum JobsJSON {
    /// Runs an operation on job `id`, saying plainly when there is no such job.
    static func run<T>(_ id: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await CLIErrors.run(body)
        } catch let error as CLIError where error.description == StoreError.notFound("job \(id)").message {
            throw CLIError("no job with id \(id) (see 'handover jobs list')")
        }
    }

    /// A job for scripts; never its payload (it may hold what a handler needs, not what an operator does).
    static func object(_ job: Job) -> JSONValue {
        .object([
            "id": .string(job.id), "kind": .string(job.kind), "state": .string(job.state.rawValue),
            "organizationId": job.organizationID.map(JSONValue.string) ?? .null,
            "attempts": .number(Double(job.attempts)), "maxAttempts": .number(Double(job.maxAttempts)),
            "runAfter": .string(Timestamp.format(job.runAfter)),
            "lockedBy": job.lockedBy.map(JSONValue.string) ?? .null,
            "lockedUntil": job.lockedUntil.map { .string(Timestamp.format($0)) } ?? .null,
            "lastError": job.lastError.map(JSONValue.string) ?? .null,
            "createdAt": .string(Timestamp.format(job.createdAt)), "updatedAt": .string(Timestamp.format(job.updatedAt)),
        ])
    }
}
