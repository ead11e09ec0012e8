import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

struct ListHandovers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the handovers you can see, by state.",
        discussion: """
            Grouped by state, open ones first (draft, returned, submitted, acknowledged), then the \
            finished ones (completed, verified, closed, cancelled). With --format json: the API's list, \
            with ids, as it came.
              handover list --state draft,returned   what waits on you as a transferor
            """)
    @Option(help: "Only these states, comma-separated (draft, submitted, returned, acknowledged, completed, …).") var state: String?
    @Option(help: "Only handovers of this account.") var account: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        var query: [String] = []
        if let state { query.append("state=\(state)") }
        if let account { query.append("account=\(account)") }
        let reply = try await CLIErrors.run {
            try await client.get("/api/v1/handovers" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")), as: ListResponse<Handover>.self)
        }
        let names = try await MemberLookup.names(client: client)
        let accounts = await AccountLookup.names(of: Set(reply.value.items.map(\.accountID)), client: client)
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No handovers."); return }
            let rows = Self.stateOrder.flatMap { state in
                reply.value.items.filter { $0.state == state }.map {
                    [
                        $0.state.rawValue, $0.id, accounts[$0.accountID] ?? $0.accountID, $0.templateKey, names[$0.transferorID] ?? $0.transferorID,
                        names[$0.recipientID] ?? $0.recipientID,
                    ]
                }
            }
            // The state once per group: a heading, not a column to scan.
            let grouped = rows.enumerated().map { i, row in i > 0 && rows[i - 1][0] == row[0] ? [""] + row.dropFirst() : row }
            Table.print(["STATE", "ID", "ACCOUNT", "TEMPLATE", "FROM", "TO"], grouped)
        }
    }

    /// Open states first, in the order work flows through them; then the finished ones.
    static let stateOrder: [HandoverState] = [.draft, .returned, .submitted, .acknowledged, .completed, .verified, .closed, .cancelled]
}

struct New: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Begin a handover of an account, as a draft.",
        discussion: """
            The account's id is in 'handover accounts list'; the recipient is an email or a member id.
              handover new --account ACCOUNT_ID --to rita@example.com
            Then 'handover templates show KEY' says what each field takes, and 'handover edit ID' fills them.

            The draft starts pre-filled from the account's profile and its imported activity (open
            tickets and tasks, deals, contacts): 'handover show ID' says where each value came from,
            and 'handover lint ID' lists those nobody has reviewed. --no-prefill starts it empty.
            """)
    @Option(help: "The account's id.") var account: String
    @Option(help: "The recipient (email or id).") var to: String
    @Option(
        help: """
            Template key (see 'handover templates list'); default: the one for the account's kind (customer-account, \
            ipass for patients, it-offboarding for systems and assets, shift for services, project).
            """)
    var template: String?
    @Flag(help: "Start with every field empty, not pre-filled.") var noPrefill = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let recipientID = try await MemberLookup.id(of: to, client: client)
        let template: String
        if let chosen = self.template {
            template = chosen
        } else {
            // The web form's default too: one template per account kind.
            let path = "/api/v1/accounts/" + (account.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? account)
            template = TemplateLibrary.defaultKey(for: try await CLIErrors.run { try await client.get(path, as: Account.self) }.value.kind)
        }
        let reply = try await CLIErrors.run {
            try await client.send(
                .POST, "/api/v1/handovers",
                json: CreateHandoverRequest(accountID: account, recipientID: recipientID, templateKey: template, prefill: noPrefill ? false : nil),
                as: Handover.self)
        }
        let next = options.format == .text ? await NextHint.lines(for: reply.value, client: client) : []
        options.output.emit(raw: reply.json) {
            print("Draft handover \(reply.value.id) created with the \(reply.value.templateKey) template.")
            if let prefill = reply.value.prefill, !prefill.isEmpty {
                print("\(prefill.count) field(s) pre-filled from the account's profile and imported activity: review them ('handover show \(reply.value.id)').")
            }
            for line in next { print(line) }
        }
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a handover: parties, state, content, score.")
    @Argument(help: "Handover id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(id)", as: Handover.self) }
        let template = try await CLIErrors.run {
            try await client.get("/api/v1/templates/\(reply.value.templateKey)?version=\(reply.value.templateVersion)", as: Template.self)
        }
        let lint = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(id)/lint", as: LintReport.self) }
        let names = try await MemberLookup.names(client: client)
        let account = await AccountLookup.account(reply.value.accountID, client: client)
        let next = options.format == .text ? await NextHint.lines(for: reply.value, client: client) : []
        options.output.emit(raw: reply.json) {
            let h = reply.value
            print("Handover \(h.id)  [\(h.state.rawValue)]  \(template.value.name)")
            print(
                "Account \(account?.name ?? h.accountID); from \(names[h.transferorID] ?? h.transferorID) to \(names[h.recipientID] ?? h.recipientID); version \(h.version)"
            )
            print("Lint score \(lint.value.score)/100, \(lint.value.findings.count) finding(s)")
            if let reason = h.returnReason, h.state == .returned { print("Returned: \(reason)") }
            if let synthesis = h.synthesis { print("Recipient's synthesis: \(synthesis)") }
            if h.state == .submitted { print("The synthesis, when the recipient acknowledges: \(template.value.synthesisPrompt)") }
            for line in next { print(line) }
            for section in template.value.sections {
                print("\n## \(section.title)")
                for field in section.fields {
                    let value = h.content[section.id, field.id]
                    print("\(field.label)\(field.required ? " *" : ""): \(value.map(Self.render) ?? "—")")
                    if let prefilled = h.prefill?["\(section.id).\(field.id)"] { print(Self.provenance(prefilled, path: "\(section.id).\(field.id)", id: h.id)) }
                }
            }
        }
    }

    /// "  (pre-filled from …; not reviewed: --reviewed PATH)", then a line per source.
    static func provenance(_ field: PrefilledField, path: String, id: String) -> String {
        let state =
            switch field.review {
            case .edited: "reviewed: edited since"
            case .checked: "reviewed: checked as it stands"
            case nil: "not reviewed: 'handover edit \(id) --reviewed \(path)' once checked"
            }
        let sources = field.sources.map { source in "    from " + (source.row.map { "row \($0 + 1): " } ?? "") + source.text }
        return (["  (pre-filled; \(state))"] + sources).joined(separator: "\n")
    }

    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .array(let items): return items.isEmpty ? "—" : "\n" + items.map { "  - " + render($0) }.joined(separator: "\n")
        case .object(let fields): return fields.sorted { $0.key < $1.key }.map { "\($0.key): \(render($0.value))" }.joined(separator: "; ")
        case .bool(let flag): return flag ? "yes" : "no"
        case .number(let number): return String(number)
        case .null: return "—"
        }
    }
}

struct Edit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill in a draft handover's fields.",
        discussion: """
            Paths are SECTION.FIELD; 'handover templates show KEY' lists them, each with an example to paste:

              --set overview.summary="Text"            text, markdown or date fields
              --json 'contacts.keyContacts=[{"name":"Jo","preference":"email"}]'
              --check contacts.warmIntroduction        tick every entry of a checklist
              --clear risks.sentiment
              --file patch.json                        {"section": {"field": value}}
              --interactive                            every field, in $VISUAL or $EDITOR
              --reviewed openWork.openItems            a pre-filled field is right as it is
              --all-reviewed                           every pre-filled field is

            --interactive writes the content as JSON to a private temporary file, every field present (null \
            when empty) under a "_field" hint with its shape and an example, opens your editor, and saves \
            what you wrote. If the JSON is wrong or the server refuses it, it says why and keeps the file: \
            from a terminal it offers to reopen it; otherwise it prints the path for 'handover edit ID --file PATH'.
            """
    )
    @Argument(help: "Handover id.") var id: String
    @Option(name: .customLong("set"), help: "SECTION.FIELD=TEXT; repeatable.") var sets: [String] = []
    @Option(name: .customLong("json"), help: "SECTION.FIELD=JSON; repeatable.") var jsons: [String] = []
    @Option(name: .customLong("check"), help: "SECTION.FIELD of a checklist: every entry done; repeatable.") var checks: [String] = []
    @Option(name: .customLong("clear"), help: "SECTION.FIELD to empty; repeatable.") var clears: [String] = []
    @Option(help: "A JSON file with fields to set (keys starting with _ are ignored).") var file: String?
    @Flag(name: [.customLong("interactive"), .customLong("editor")], help: "Edit every field as JSON in $VISUAL or $EDITOR.") var interactive = false
    @Option(name: .customLong("reviewed"), help: "SECTION.FIELD pre-filled and checked; repeatable.") var reviewed: [String] = []
    @Flag(help: "Every pre-filled field is checked as it stands.") var allReviewed = false
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if interactive && !(sets.isEmpty && jsons.isEmpty && checks.isEmpty && clears.isEmpty && file == nil && reviewed.isEmpty && !allReviewed) {
            throw ValidationError(
                "--interactive edits every field in your editor; use it without --set, --json, --check, --clear, --file, --reviewed or --all-reviewed.")
        }
    }

    func run() async throws {
        let client = try options.client()
        if interactive { return try await EditorSession(id: id, client: client, output: options.output).run() }
        var patch = HandoverContent()
        var basedOn: Int?  // a file from --interactive names the version it started from
        if let file {
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: file)) else { throw CLIError("Cannot read \(file).") }
            do { patch = try ContentFile.patch(from: data) } catch let error as CLIError { throw CLIError("\(file): \(error.description)") }
            basedOn = ContentFile.version(in: data)
        }
        for item in sets {
            let (section, field, value) = try Self.split(item, flag: "--set")
            patch[section, field] = .string(value)
        }
        for item in jsons {
            let (section, field, text) = try Self.split(item, flag: "--json")
            do { patch[section, field] = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) } catch {
                throw CLIError("--json \(section).\(field): the value is not valid JSON (\(JSONSyntax.describe(error, in: Data(text.utf8)))).")
            }
        }
        for path in clears {
            let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw CLIError("--clear takes SECTION.FIELD, got \(path)") }
            patch[parts[0], parts[1]] = .null
        }
        guard !patch.sections.isEmpty || !checks.isEmpty || !reviewed.isEmpty || allReviewed else {
            throw ValidationError("Nothing to change: use --set, --json, --check, --clear, --file, --reviewed, --all-reviewed or --interactive.")
        }

        let current = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(id)", as: Handover.self) }
        var reviewed = reviewed
        if allReviewed {
            let unreviewed = (current.value.prefill ?? [:]).filter { !$0.value.isReviewed }.keys.sorted()
            if unreviewed.isEmpty && patch.sections.isEmpty && checks.isEmpty && reviewed.isEmpty {
                throw CLIError("Nothing to review: handover \(id) has no pre-filled field waiting for a review.")
            }
            reviewed += unreviewed.filter { !reviewed.contains($0) }
        }
        if !checks.isEmpty {
            let template = try await CLIErrors.run {
                try await client.get("/api/v1/templates/\(current.value.templateKey)?version=\(current.value.templateVersion)", as: Template.self)
            }.value
            for path in checks {
                guard let field = template.field(at: path), field.type == .checklist else {
                    throw CLIError(
                        "--check takes a checklist field of template \(template.key), got \(path); its checklists: "
                            + template.fieldsWithPaths.filter { $0.field.type == .checklist }.map(\.path).joined(separator: ", "))
                }
                let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
                patch[parts[0], parts[1]] = .array((field.options ?? []).map { .object(["item": .string($0), "done": .bool(true)]) })
            }
        }
        if let basedOn, basedOn != current.value.version, let file {
            throw CLIError(
                "Not saved: \(file) was written from version \(basedOn), and the handover is at version \(current.value.version) now (someone saved it since). "
                    + "Run 'handover edit \(id) --interactive' to start from the saved version and copy your changes over, or delete the \"_version\" line to overwrite it."
            )
        }
        let reply = try await CLIErrors.run {
            try await client.send(
                .PATCH, "/api/v1/handovers/\(id)", json: EditHandoverRequest(content: patch, reviewed: reviewed.isEmpty ? nil : reviewed), ifMatch: current.etag,
                as: Handover.self)
        }
        let lint = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(id)/lint", as: LintReport.self) }
        options.output.emit(raw: reply.json) { print(Self.saved(reply.value, lint.value)) }
    }

    static func saved(_ handover: Handover, _ lint: LintReport) -> String {
        "Saved (version \(handover.version)). Lint score \(lint.score)/100, \(lint.findings.count) finding(s)."
            + (lint.findings.isEmpty ? "" : " 'handover lint \(handover.id)' lists them.")
    }

    static func split(_ item: String, flag: String) throws -> (String, String, String) {
        guard let equals = item.firstIndex(of: "=") else { throw CLIError("\(flag) takes SECTION.FIELD=VALUE, got \(item)") }
        let path = item[..<equals].split(separator: ".", maxSplits: 1).map(String.init)
        guard path.count == 2 else { throw CLIError("\(flag) takes SECTION.FIELD=VALUE, got \(item)") }
        return (path[0], path[1], String(item[item.index(after: equals)...]))
    }
}

struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lint", abstract: "Show what a handover is missing, and its score.")
    @Argument(help: "Handover id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(id)/lint", as: LintReport.self) }
        options.output.emit(raw: reply.json) {
            // The score says what its missing points are for; findings name the field a person
            // knows (its label) and the path 'handover edit' takes.
            print("Score \(reply.value.explanation)")
            if reply.value.findings.isEmpty { print("No findings: ready to submit.") }
            for finding in reply.value.findings {
                print("  \(finding.severity == .error ? "ERROR  " : "warning") \(finding.place): \(finding.message)")
            }
            if reply.value.blocksSubmission { print("Errors block submission; fix them with 'handover edit \(id) …'.") }
        }
    }
}

/// The lifecycle commands share one shape: POST an action, print the new state.
protocol TransitionCommand: AsyncParsableCommand {
    var id: String { get }
    var options: ClientOptions { get }
    static var action: String { get }
    func body() throws -> Data?
    /// What was done, for a person; `account` is the account's name (its id when it cannot be read).
    func done(_ handover: Handover, account: String) -> String
}

extension TransitionCommand {
    func run() async throws {
        let client = try options.client()
        let current = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(id)", as: Handover.self) }
        let reply = try await CLIErrors.run {
            try await client.send(.POST, "/api/v1/handovers/\(id)/\(Self.action)", body: try body(), ifMatch: current.etag, as: Handover.self)
        }
        var text = done(reply.value, account: reply.value.accountID)
        var next: [String] = []
        if options.format == .text {
            // A person reads the account's name, not its id.
            if let account = await AccountLookup.account(reply.value.accountID, client: client) { text = done(reply.value, account: account.name) }
            next = await NextHint.lines(for: reply.value, client: client)
        }
        options.output.emit(raw: reply.json) {
            print(text)
            for line in next { print(line) }
        }
    }

    func body() throws -> Data? { nil }

    func json(_ body: some Encodable) throws -> Data {
        try WireJSON.encoder.encode(body)
    }
}

struct Submit: TransitionCommand {
    static let configuration = CommandConfiguration(abstract: "Send a draft to its recipient.")
    static let action = "submit"
    @Argument(help: "Handover id.") var id: String
    @OptionGroup var options: ClientOptions
    func done(_ h: Handover, account: String) -> String { "Submitted." }
}

struct Acknowledge: TransitionCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack", abstract: "Accept a handover as its recipient, in your words.",
        discussion: """
            Restate what you now own in your own words (at least \(Lifecycle.minimumSynthesisLength) characters): \
            the template's prompt says what to cover; 'handover show ID' prints it.
              handover ack ID --synthesis "I own Acme: renewal in March, Priya likes email."
            """)
    static let action = "acknowledge"
    @Argument(help: "Handover id.") var id: String
    @Option(help: "Your synthesis: what you now own, what comes next, what worries you.") var synthesis: String
    @OptionGroup var options: ClientOptions
    func body() throws -> Data? { try json(AcknowledgeRequest(synthesis: synthesis)) }
    func done(_ h: Handover, account: String) -> String { "Acknowledged: you have accepted the handover." }
}

struct Complete: TransitionCommand {
    static let configuration = CommandConfiguration(abstract: "Complete a handover: the recipient owns the account.")
    static let action = "complete"
    @Argument(help: "Handover id.") var id: String
    @OptionGroup var options: ClientOptions
    func done(_ h: Handover, account: String) -> String { "Completed: \(account) now belongs to the recipient." }
}

struct Return: TransitionCommand {
    static let configuration = CommandConfiguration(abstract: "Send a handover back to its transferor, with why.")
    static let action = "return"
    @Argument(help: "Handover id.") var id: String
    @Option(help: "What is missing or unclear.") var reason: String
    @OptionGroup var options: ClientOptions
    func body() throws -> Data? { try json(ReasonRequest(reason: reason)) }
    func done(_ h: Handover, account: String) -> String { "Returned to the transferor." }
}

struct Revise: TransitionCommand {
    static let configuration = CommandConfiguration(abstract: "Take a returned handover back into draft to edit it.")
    static let action = "revise"
    @Argument(help: "Handover id.") var id: String
    @OptionGroup var options: ClientOptions
    func done(_ h: Handover, account: String) -> String { "Back in draft." }
}

struct Cancel: TransitionCommand {
    static let configuration = CommandConfiguration(abstract: "Cancel an open handover.")
    static let action = "cancel"
    @Argument(help: "Handover id.") var id: String
    @Option(help: "Why.") var reason: String?
    @OptionGroup var options: ClientOptions
    func body() throws -> Data? { try json(ReasonRequest(reason: reason)) }
    func done(_ h: Handover, account: String) -> String { "Cancelled." }
}

struct Verify: TransitionCommand {
    static let configuration = CommandConfiguration(abstract: "As a manager, record that a completed handover took.")
    static let action = "verify"
    @Argument(help: "Handover id.") var id: String
    @Option(help: "What you checked.") var note: String?
    @OptionGroup var options: ClientOptions
    func body() throws -> Data? { try json(NoteRequest(note: note)) }
    func done(_ h: Handover, account: String) -> String { "Verified." }
}

struct Close: TransitionCommand {
    static let configuration = CommandConfiguration(abstract: "As a manager, close a verified handover.")
    static let action = "close"
    @Argument(help: "Handover id.") var id: String
    @OptionGroup var options: ClientOptions
    func done(_ h: Handover, account: String) -> String { "Closed." }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show who did what to a handover, and when.")
    @Argument(help: "Handover id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(id)/events", as: ListResponse<HandoverEventRecord>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            Table.print(
                ["WHEN", "WHO", "EVENT", "STATE", "NOTE"],
                reply.value.items.map {
                    [HumanDate.format($0.at), names[$0.actorID] ?? $0.actorID, $0.event, "\($0.fromState?.rawValue ?? "—") → \($0.toState.rawValue)", $0.note ?? ""]
                })
        }
    }
}
