import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire
import HandoverStore

struct Accounts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accounts: list, show, create, ask, risks; stages.",
        subcommands: [
            List.self, ShowAccount.self, Create.self, AccountAskCommand.self, Risks.self, RecordOutcome.self, Outcomes.self,
            AccountJourneyCommand.self, AccountStageCommand.self, AccountAdvanceCommand.self,
        ], aliases: ["account"])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts in your organization.")
        @Option(help: "Only this kind: \(AccountKind.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: AccountKind?
        @Option(help: "Only accounts owned by this member (id or email).") var owner: String?
        @Option(name: .customLong("search"), help: "Text to look for in names and profiles.") var search: String?
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let client = try options.client()
            var query: [String] = []
            if let kind { query.append("kind=\(kind.rawValue)") }
            if let owner { query.append("owner=\(try await MemberLookup.id(of: owner, client: client))") }
            if let search {
                query.append("q=\(search.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? "")")
            }
            let path = "/api/v1/accounts" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
            let reply = try await CLIErrors.run { try await client.get(path, as: ListResponse<Account>.self) }
            let names = try await MemberLookup.names(client: client)
            options.output.emit(raw: reply.json) {
                if reply.value.items.isEmpty { print("No accounts."); return }
                Table.print(["ID", "KIND", "NAME", "OWNER"], reply.value.items.map { [$0.id, $0.kind.rawValue, $0.name, names[$0.ownerID] ?? $0.ownerID] })
            }
        }
    }

    struct ShowAccount: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show an account, its profile and its owners over time.")
        @Argument(help: "Account id.") var id: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let client = try options.client()
            let reply = try await CLIErrors.run { try await client.get("/api/v1/accounts/\(id)", as: Account.self) }
            let owners = try await CLIErrors.run { try await client.get("/api/v1/accounts/\(id)/owners", as: ListResponse<Ownership>.self) }
            let names = try await MemberLookup.names(client: client)
            options.output.emit(raw: reply.json) {
                let a = reply.value
                print("\(a.name)  [\(a.kind.rawValue)]  \(a.id)")
                print("Owner: \(names[a.ownerID] ?? a.ownerID)")
                if let renewal = a.profile.renewalDate { print("Renewal: \(HumanDate.day(renewal))") }
                if !a.profile.tags.isEmpty { print("Tags: \(a.profile.tags.joined(separator: ", "))") }
                if !a.profile.overview.isEmpty { print("\n\(a.profile.overview)") }
                for contact in a.profile.contacts {
                    print("Contact: \(contact.name)\(contact.role.map { ", \($0)" } ?? "")\(contact.preference.map { " (\($0))" } ?? "")")
                }
                for item in a.profile.openItems {
                    print("Open: \(item.title)\(item.owner.map { ", \($0)" } ?? "")\(item.due.map { ", due \(HumanDate.day($0))" } ?? "")")
                }
                print("\nOwners over time:")
                for o in owners.value.items {
                    print("  \(names[o.ownerID] ?? o.ownerID)  from \(Table.day(o.from))\(o.until.map { " until \(Table.day($0))" } ?? " (current)")")
                }
            }
        }
    }

    struct Risks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say which risk rules hold for an account, one sentence each.",
            discussion: """
                The rules: renewal within 90 days, open high-severity tickets (imported), unhappy
                notes in the last 90 days, the champion contact gone, two or more handovers in 12
                months, credential exposures not rotated, nothing recorded for 60 days.
                """)
        @Argument(help: "Account id.") var id: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let client = try options.client()
            let reply = try await CLIErrors.run { try await client.get("/api/v1/accounts/\(id)/risks", as: RiskFlagsResponse.self) }
            options.output.emit(raw: reply.json) {
                let risks = reply.value
                if risks.items.isEmpty { print("No risk rule holds for this account.") }
                for flag in risks.items {
                    let added = risks.model?.contributions[flag.rule.rawValue].map { String(format: " (model: %+.1f log-odds)", $0) } ?? ""
                    print("- \(flag.sentence) [\(flag.rule.rawValue)]\(added)")
                }
                if let model = risks.model {
                    let auc = model.heldOutAUC.map { String(format: ", held-out AUC %.2f", $0) } ?? ""
                    print(
                        String(format: "Model: %.0f%% chance of an escalation or churn within 90 days", model.probability * 100)
                            + " (fitted on \(model.examples) handovers, \(model.positives) followed by one\(auc)).")
                } else if let why = risks.noModel {
                    print("No model reading: \(why)")
                }
            }
        }
    }

    struct RecordOutcome: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "outcome",
            abstract: "Record an escalation or churn (what the risk model learns).",
            discussion: """
                The account's owner, their manager or an admin records it. The model learns which
                flags, at a handover's completion, came before an outcome within 90 days.
                Example:
                  handover accounts outcome ACCOUNT --kind churn --on 2026-11-02 --note "Did not renew"
                """)
        @Argument(help: "Account id.") var id: String
        @Option(help: "escalation or churn.") var kind: OutcomeKind
        @Option(help: "The day it happened, YYYY-MM-DD.") var on: String
        @Option(help: "What happened, in a sentence.") var note: String?
        @OptionGroup var options: ClientOptions

        func run() async throws {
            guard let day = CalendarDate(on) else { throw ValidationError("--on must be a day written YYYY-MM-DD, like 2026-11-02") }
            let client = try options.client()
            let body = RecordOutcomeRequest(kind: kind, on: day, note: note)
            let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/accounts/\(id)/outcomes", json: body, as: AccountOutcome.self) }
            options.output.emit(raw: reply.json) { print("Recorded: \(reply.value.kind.rawValue) on \(reply.value.on).") }
        }
    }

    struct Outcomes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the escalations and churn recorded on an account.")
        @Argument(help: "Account id.") var id: String
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let client = try options.client()
            let reply = try await CLIErrors.run { try await client.get("/api/v1/accounts/\(id)/outcomes", as: ListResponse<AccountOutcome>.self) }
            options.output.emit(raw: reply.json) {
                if reply.value.items.isEmpty { print("No outcome recorded."); return }
                Table.print(["ON", "KIND", "NOTE"], reply.value.items.map { [$0.on.description, $0.kind.rawValue, $0.note ?? ""] })
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account.")
        @Option(help: "The account's name.") var name: String
        @Option(help: "\(AccountKind.allCases.map(\.rawValue).joined(separator: ", ")).") var kind: AccountKind
        @Option(help: "Owner (id or email); default: you.") var owner: String?
        @Option(help: "A short overview for the profile.") var overview: String?
        @Option(help: "Renewal date (YYYY-MM-DD), for customers.") var renewal: String?
        @Option(help: "A tag; repeat for more.") var tag: [String] = []
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let client = try options.client()
            var renewalDate: CalendarDate?
            if let renewal {
                guard let date = CalendarDate(renewal) else { throw ValidationError("--renewal must be a date as YYYY-MM-DD") }
                renewalDate = date
            }
            let ownerID = try await owner.asyncMap { try await MemberLookup.id(of: $0, client: client) }
            let body = CreateAccountRequest(
                name: name, kind: kind, ownerID: ownerID, profile: AccountProfile(overview: overview ?? "", renewalDate: renewalDate, tags: tag))
            let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/accounts", json: body, as: Account.self) }
            options.output.emit(raw: reply.json) { print("Created account \(reply.value.name) (\(reply.value.id))") }
        }
    }
}

struct Members: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List members and teams; deactivate or reactivate one.",
        subcommands: [MembersList.self, TeamsList.self, MemberDeactivate.self, MemberReactivate.self], defaultSubcommand: MembersList.self)
}

/// `handover members teams`: the teams an identity provider pushed (Docs/SCIM.md).
struct TeamsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teams", abstract: "List the identity provider's teams and members.",
        discussion: "A departure rule may send accounts to a team: --rule tag:emea=team:NAME.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/teams", as: ListResponse<Team>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No teams yet: an identity provider adds them through SCIM (Docs/SCIM.md).") }
            Table.print(
                ["ID", "TEAM", "MEMBERS"],
                reply.value.items.map { [$0.id, $0.name, $0.memberIDs.map { names[$0] ?? $0 }.joined(separator: ", ")] })
        }
    }
}

struct MembersList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the members of your organization.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/members", as: ListResponse<Member>.self) }
        options.output.emit(raw: reply.json) {
            Table.print(
                ["ID", "ROLE", "NAME", "EMAIL"],
                reply.value.items.map { [$0.id, $0.role.rawValue + ($0.isActive ? "" : " (deactivated)"), $0.name, $0.email] })
        }
    }
}

struct Templates: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List, show and add handover templates.", subcommands: [List.self, ShowTemplate.self, Add.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List templates (built-in and your organization's).")
        @OptionGroup var options: ClientOptions
        func run() async throws {
            let client = try options.client()
            let reply = try await CLIErrors.run { try await client.get("/api/v1/templates", as: ListResponse<Template>.self) }
            options.output.emit(raw: reply.json) {
                Table.print(
                    ["KEY", "VERSION", "NAME", "FOR"],
                    reply.value.items.map { [$0.key, String($0.version), $0.name, $0.accountKinds.map(\.rawValue).joined(separator: ",")] })
            }
        }
    }

    struct ShowTemplate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show a template's fields, each with an example.",
            discussion: """
                Each field is listed as SECTION.FIELD with its guidance, the shape of its value and an \
                example you can paste into 'handover edit ID' as it is. Or fill every field at once in \
                your editor: 'handover edit ID --interactive'.
                """)
        @Argument(help: "Template key, e.g. customer-account.") var key: String
        @OptionGroup var options: ClientOptions
        /// The field's example as an argument of 'handover edit', quoted for a POSIX shell.
        static func editArgument(_ path: String, _ field: TemplateField) -> String {
            switch field.example {
            case .string(let text): return "--set " + Shell.quote("\(path)=\(text)")
            case let value: return "--json " + Shell.quote("\(path)=\(JSONText.compact(value, keyOrder: field.type.keyOrder))")
            }
        }

        func run() async throws {
            let client = try options.client()
            let reply = try await CLIErrors.run { try await client.get("/api/v1/templates/\(key)", as: Template.self) }
            options.output.emit(raw: reply.json) {
                let t = reply.value
                print("\(t.name) (\(t.key) v\(t.version)) — \(t.summary)")
                for section in t.sections {
                    print("\n\(section.title)  [\(section.id)]\n  \(section.guidance)")
                    for field in section.fields {
                        let path = "\(section.id).\(field.id)"
                        print("\n  \(path)  \(field.label): \(field.type.rawValue)\(field.required ? ", required" : ", optional")")
                        print("      \(field.guidance)")
                        print("      Value: \(field.type.shape)")
                        if let options = field.options {
                            print("      Entries (tick each with \"done\": true):")
                            for option in options { print("        - \(option)") }
                        }
                        print("      Example: \(Self.editArgument(path, field))")
                    }
                }
                print("\nFill fields with: handover edit ID --set PATH=TEXT / --json 'PATH=JSON' / --check PATH, or all at once: handover edit ID --interactive")
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a custom template from a JSON file (admins).")
        @Argument(help: "Path to the template JSON.") var file: String
        @OptionGroup var options: ClientOptions
        func run() async throws {
            let client = try options.client()
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch { throw CLIError("Cannot read \(file).") }
            let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/templates", body: data, as: Template.self) }
            options.output.emit(raw: reply.json) { print("Added template \(reply.value.key) v\(reply.value.version).") }
        }
    }
}

extension FieldType {
    var keyOrder: [String] { entryKeys.map { $0.required + $0.optional } ?? [] }
}

enum Shell {
    /// `text` in single quotes, each quote in it closed, escaped and reopened.
    static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}

/// JSON on one line, with object keys in a chosen order (a list field's keys as the template
/// documents them: `{"item":…,"done":true}`), the rest after them alphabetically.
enum JSONText {
    static func compact(_ value: JSONValue, keyOrder: [String] = []) -> String {
        switch value {
        case .array(let items):
            return "[" + items.map { compact($0, keyOrder: keyOrder) }.joined(separator: ",") + "]"
        case .object(let fields):
            let rank = { (key: String) in keyOrder.firstIndex(of: key) ?? keyOrder.count }
            let keys = fields.keys.sorted { (rank($0), $0) < (rank($1), $1) }
            return "{" + keys.map { scalar(.string($0)) + ":" + compact(fields[$0]!, keyOrder: keyOrder) }.joined(separator: ",") + "}"
        default:
            return scalar(value)
        }
    }

    private static func scalar(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}

/// Turning emails into member ids, and ids into names, for friendlier commands.
enum MemberLookup {
    static func id(of text: String, client: HandoverAPIClient) async throws -> String {
        guard text.contains("@") else { return text }
        let members = try await CLIErrors.run { try await client.get("/api/v1/members", as: ListResponse<Member>.self).value.items }
        guard let found = members.first(where: { $0.email == Member.normalizedEmail(text) }) else { throw CLIError("No member with email \(text) in your organization.") }
        return found.id
    }

    static func names(client: HandoverAPIClient) async throws -> [String: String] {
        let members = (try? await client.get("/api/v1/members", as: ListResponse<Member>.self).value.items) ?? []
        return Member.namesByID(members)
    }
}

/// A team by its name (as compared: case-insensitively) or its id.
enum TeamLookup {
    static func id(of text: String, client: HandoverAPIClient) async throws -> String {
        let teams = try await CLIErrors.run { try await client.get("/api/v1/teams", as: ListResponse<Team>.self).value.items }
        guard let found = teams.first(where: { $0.id == text || Team.nameKey($0.name) == Team.nameKey(text) }) else {
            throw CLIError("No team \(text) in your organization ('handover members teams' lists them).")
        }
        return found.id
    }
}

/// Account names by id, for tables a person reads.
enum AccountLookup {
    /// The names of `ids`: one page of up to 1,000 accounts, then each one it lacked. A name that
    /// cannot be read is left out (the caller shows the id).
    static func names(of ids: Set<String>, client: HandoverAPIClient) async -> [String: String] {
        let page = (try? await client.get("/api/v1/accounts?limit=1000", as: ListResponse<Account>.self).value.items) ?? []
        var names = Dictionary(page.map { ($0.id, $0.name) }) { first, _ in first }
        for id in ids.subtracting(names.keys).sorted() {
            if let account = await account(id, client: client) { names[id] = account.name }
        }
        return names
    }

    /// One account, or nil when it cannot be read (the caller then shows the id).
    static func account(_ id: String, client: HandoverAPIClient) async -> Account? {
        try? await client.get("/api/v1/accounts/" + (id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id), as: Account.self).value
    }
}

enum Table {
    static func print(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        for row in all {
            Swift.print(
                row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
    }

    static func day(_ date: Date) -> String { HumanDate.day(date) }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
extension OutcomeKind: ExpressibleByArgument {}
