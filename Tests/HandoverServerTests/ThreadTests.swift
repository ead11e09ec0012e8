import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust
import HandoverTestSupport
import NIOConcurrencyHelpers
import SQLKit
import Testing

@testable import HandoverServer
@testable import HandoverServices

/// The thread after completion (the template's availability period) and live: a question ticks
/// the pages watching its handover, in this process and, through PostgreSQL, on other replicas.
@Suite struct ThreadTests {
    static let day: TimeInterval = 86_400

    static func completed(_ org: OrgFixture, store: SQLHandoverStore, at completedAt: Date, state: HandoverState = .completed) async throws -> Handover {
        let account = try await org.account(org.alice, in: store)
        let now = Date(millis: completedAt.millis)
        var handover = Handover(
            id: UUID().uuidString.lowercased(), organizationID: org.organization.id, accountID: account.id, templateKey: "customer-account",
            templateVersion: 1, transferorID: org.alice.id, recipientID: org.bob.id, content: HandoverContent(), createdAt: now, updatedAt: now)
        handover.state = state
        handover.completedAt = state == .cancelled ? nil : now
        try await store.createHandover(
            handover,
            record: HandoverEventRecord(
                id: UUID().uuidString.lowercased(), handoverID: handover.id, organizationID: org.organization.id, actorID: org.alice.id, event: "create",
                handoverVersion: 1, fromState: nil, toState: state, note: nil, at: now))
        // Creating stores a draft's fields; the completion time is set as completing would set it.
        if let completed = handover.completedAt {
            let id = handover.id
            try await store.database.transaction { db in
                try await db.raw("UPDATE handovers SET completed_at = \(bind: completed.millis) WHERE id = \(bind: id)").run()
            }
        }
        return handover
    }

    @Test func theWindowCountsFromCompletionAndTheTemplateSetsIt() throws {
        let t0 = Date(millis: 1_790_000_000_000)
        var handover = Handover(
            id: "h", organizationID: "o", accountID: "a", templateKey: "k", templateVersion: 1, transferorID: "t", recipientID: "r",
            content: HandoverContent(), createdAt: t0, updatedAt: t0)
        let rules = TemplateRules()
        #expect(QuestionWindow.isOpen(handover, rules: rules, at: t0 + 400 * Self.day), "an open handover always takes questions")
        handover.state = .verified
        handover.completedAt = t0
        #expect(QuestionWindow.closesAt(handover, rules: rules) == t0 + 30 * Self.day)
        #expect(QuestionWindow.isOpen(handover, rules: rules, at: t0 + 30 * Self.day - 1))
        #expect(!QuestionWindow.isOpen(handover, rules: rules, at: t0 + 30 * Self.day))
        #expect(!QuestionWindow.isOpen(handover, rules: TemplateRules(questionsOpenForDays: 0), at: t0))
        handover.state = .cancelled
        #expect(!QuestionWindow.isOpen(handover, rules: rules, at: t0))
        var template = TemplateLibrary.builtIn(key: "customer-account")!
        template.rules.questionsOpenForDays = 366
        #expect(template.problems.contains { $0.path == "rules.questionsOpenForDays" })
        template.rules.questionsOpenForDays = 0
        #expect(!template.problems.contains { $0.path == "rules.questionsOpenForDays" })
    }

    @Test(arguments: TestDatabases.engines) func aCompletedHandoverTakesQuestionsUntilItsWindowCloses(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let t0 = Date(millis: Date().millis)
        let handover = try await Self.completed(org, store: store, at: t0)
        func services(at date: Date) -> Services { Services(store: store, logKeys: try! LogKeys(secret: Array(repeating: 7, count: 32)), clock: .fixed(date)) }
        let asked = try await services(at: t0 + 29 * Self.day).handovers.ask(id: handover.id, body: "Who signs the renewal?", by: org.bob)
        _ = try await services(at: t0 + 29 * Self.day + 60).handovers.ask(id: handover.id, body: "Carol does, after a call.", by: org.alice)
        await #expect(throws: HandoverError.self) { _ = try await services(at: t0).handovers.ask(id: handover.id, body: "Reading along", by: org.auditor) }
        do {
            _ = try await services(at: t0 + 31 * Self.day).handovers.ask(id: handover.id, body: "One more thing?", by: org.bob)
            Issue.record("a question after the window was taken")
        } catch let error as HandoverError {
            #expect(error.message.contains("closed on") && error.message.contains("30 days after the handover completed"), "\(error.message)")
        }
        let thread = try await services(at: t0).handovers.thread(id: handover.id, by: org.bob)
        #expect(thread.questions.map(\.id).first == asked.id && thread.questions.count == 2)
        #expect(thread.questions.allSatisfy { QuestionWindow.isAfterCompletion($0, of: thread.handover) })
        let page = WebPages.threadMessages(thread.handover, questions: thread.questions, names: thread.names).description
        #expect(page.contains("after completion") && page.contains("Who signs the renewal?"))
        let cancelled = try await Self.completed(org, store: store, at: t0, state: .cancelled)
        await #expect(throws: HandoverError.self) { _ = try await services(at: t0).handovers.ask(id: cancelled.id, body: "Still there?", by: org.bob) }
    }

    /// Waits up to `seconds` for a tick on `stream` (once: a stream whose iteration was cancelled is over).
    static func tick(_ stream: AsyncStream<Void>, within seconds: Double) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                var iterator = stream.makeAsyncIterator()
                return await iterator.next() != nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    @Test(arguments: TestDatabases.engines) func aQuestionTicksTheWatchersOfItsHandoverHereAndOnOtherReplicas(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let handover = try await Self.completed(org, store: store, at: Date())
        let other = try await Self.completed(org, store: store, at: Date())
        func question(_ h: Handover, _ text: String) -> HandoverQuestion {
            HandoverQuestion(
                id: UUID().uuidString.lowercased(), organizationID: org.organization.id, handoverID: h.id, authorID: org.bob.id, body: text, createdAt: Date())
        }
        // Here: its own handover's watcher ticks, another's does not.
        let mine = store.threadSignal.changes(handoverID: handover.id), theirs = store.threadSignal.changes(handoverID: other.id)
        try await store.addQuestion(question(handover, "Here?"))
        #expect(await Self.tick(mine, within: 5))
        #expect(!(await Self.tick(theirs, within: 0.3)))
        guard engine == "postgres" else { return }
        // Another replica: its own store and pool, listening; questions written through the first.
        let replica = try await TestDatabases.store(engine)
        defer { Task { try? await replica.database.close() } }
        let listening = Task { try await replica.listenForThreadChanges() }
        defer { listening.cancel() }
        // One consumer for the whole test: a stream's iteration, once cancelled, ends the stream.
        let there = replica.threadSignal.changes(handoverID: handover.id)
        let heard = NIOLockedValueBox(false)
        let hearing = Task {
            for await _ in there { heard.withLockedValue { $0 = true } }
        }
        defer { hearing.cancel() }
        // LISTEN starts on its own connection a moment later: write until the replica hears one.
        for attempt in 0..<50 where !heard.withLockedValue({ $0 }) {
            try await store.addQuestion(question(handover, "There? \(attempt)"))
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(heard.withLockedValue { $0 }, "the replica never heard of the question")
        listening.cancel()
        #expect(try await listening.value == ())
    }

    @Test func theLiveStreamSendsTheThreadNowAndAfterEachChange() async throws {
        let store = try await TestDatabases.store("sqlite")
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let handover = try await Self.completed(org, store: store, at: Date())
        let services = Services(store: store, logKeys: try LogKeys(secret: Array(repeating: 7, count: 32)))
        let sent = NIOLockedValueBox<[String]>([])
        let changes = try await services.handovers.threadChanges(id: handover.id, by: org.bob)
        let signedIn = NIOLockedValueBox<Member?>(org.bob)
        let streaming = Task {
            try await ThreadStream.stream(
                id: handover.id, viewer: org.bob, changes: changes, handovers: services.handovers, signedIn: { signedIn.withLockedValue { $0 } }
            ) { text in
                sent.withLockedValue { $0.append(text) }
            }
        }
        func waitFor(_ what: String) async throws -> Bool {
            for _ in 0..<100 {
                if sent.withLockedValue({ $0.contains { $0.contains(what) } }) { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return false
        }
        #expect(try await waitFor("No questions yet."))
        _ = try await services.handovers.ask(id: handover.id, body: "Is the\r\n\r\nrunbook current?", by: org.bob)
        #expect(try await waitFor("runbook current?"))
        // Signed out: the next change ends the stream instead of being sent.
        signedIn.withLockedValue { $0 = nil }
        _ = try await services.handovers.ask(id: handover.id, body: "Anyone there?", by: org.alice)
        let ended = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = try? await streaming.value
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                streaming.cancel()  // so that the other child's wait ends too
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(ended, "the stream went on after the session ended")
        #expect(!sent.withLockedValue { $0.contains { $0.contains("Anyone there?") } })
        streaming.cancel()
        _ = try? await streaming.value
        let events = sent.withLockedValue { $0 }
        #expect(events.allSatisfy { $0.hasPrefix("event: thread\ndata: ") && $0.hasSuffix("\n\n") })
        // A newline in a message cannot end the event: every line of it is a data line.
        let last = try #require(events.last)
        // (A form sends CRLF; the browser ends a line at a lone CR too, so none is left.)
        #expect(last.split(separator: "\n").allSatisfy { $0.hasPrefix("event: ") || $0.hasPrefix("data: ") })
        #expect(!last.contains("\r") && last.contains("Is the\ndata: \ndata: runbook current?"))
        // Another organization never gets a stream.
        let outsider = try await OrgFixture.make(in: store, name: "Other")
        await #expect(throws: (any Error).self) { _ = try await services.handovers.threadChanges(id: handover.id, by: outsider.admin) }
    }
}

/// The access plan's store writes re-check, in their own transaction, that the handover is still
/// open (the service checks before; a completion can land in between).
@Suite struct AccessPlanAfterCompletionTests {
    @Test(arguments: TestDatabases.engines) func aPlanLineCannotLandOnACompletedHandover(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let handover = try await ThreadTests.completed(org, store: store, at: Date())
        let line = AccessPlanLine(
            id: UUID().uuidString.lowercased(), handoverID: handover.id, organizationID: org.organization.id, kind: .grant, system: "VPN", role: "user",
            memberID: org.bob.id, position: 1, createdAt: Date())
        await #expect(throws: StoreError.self) { _ = try await store.addAccessPlanLines([line], at: Date(), by: AuditActor(member: org.alice.id)) }
        #expect(try await store.accessPlan(handoverID: handover.id, organizationID: org.organization.id).isEmpty)
    }
}
