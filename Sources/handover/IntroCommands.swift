import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `handover intro`: the customer's introduction of an account handover (Docs/Introduction.md).
struct IntroCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intro",
        abstract: "Introduce the new owner to the customer.",
        discussion: """
            After the recipient acknowledges, the transferor previews the email made from the \
            organization's template and the packet, edits it, and sends it: from the \
            transferor, to chosen key contacts, the new owner in copy. Or records that the \
            customer was told another way. Either ticks "Tell the customer about the \
            change and why" in the packet (unless a sign-off is over the packet already).

              handover intro preview H1 --why "Tom moves to the EMEA team"
              handover intro preview H1 --format json > intro.json   # edit subject/body
              handover intro send H1 --to ann@acme.example --subject "…" --body-file b.txt
              handover intro recorded H1 --note "told Ann on our weekly call"
            """,
        subcommands: [IntroPreview.self, IntroSend.self, IntroRecorded.self])
}

struct IntroPreview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview", abstract: "Render the introduction; list the key contacts.")
    @Argument(help: "Handover id.") var id: String
    @Option(help: "Why the account changes hands, in your words (fills {{why}}).") var why: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run {
            try await client.send(
                .POST, "/api/v1/handovers/\(Outbox.pathSafe(id))/introduction/preview", json: IntroductionPreviewRequest(why: why),
                as: IntroductionPreviewResponse.self)
        }
        options.output.emit(raw: reply.json) {
            let preview = reply.value
            print("From:    \(preview.from.name ?? "") <\(preview.from.address)>")
            print("Cc:      \(preview.cc.name ?? "") <\(preview.cc.address)>")
            print("Subject: \(preview.subject)")
            print("")
            print(preview.body)
            print("Key contacts with an email address (use with --to):")
            if preview.contacts.isEmpty { print("  none: add them to the packet, or use 'handover intro recorded'") }
            for contact in preview.contacts { print("  \(contact.email ?? "")  \(contact.name)\(contact.role.map { ", " + $0 } ?? "")") }
            if !preview.willTick { print("(Sending will not tick the checklist: it is ticked already, or a sign-off is over the packet.)") }
            for sent in preview.sent { print("Already \(sent.mode.rawValue) \(HumanDate.format(sent.createdAt))") }
        }
    }
}

struct IntroSend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send", abstract: "Send it: from you, the new owner in copy.")
    @Argument(help: "Handover id.") var id: String
    @Option(help: "A key contact's address; repeat for several.") var to: [String] = []
    @Option(help: "The subject (default: the preview's).") var subject: String?
    @Option(help: "The message text (default: the preview's).") var body: String?
    @Option(help: "Read the message text from this file ('-' for stdin).") var bodyFile: String?
    @Option(help: "Why the change, for the preview's text when --body is not given.") var why: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        var subject = self.subject
        var text =
            try bodyFile.map { path in
                path == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : try String(contentsOfFile: path, encoding: .utf8)
            } ?? body
        if subject == nil || text == nil {
            let preview = try await CLIErrors.run {
                try await client.send(
                    .POST, "/api/v1/handovers/\(Outbox.pathSafe(id))/introduction/preview", json: IntroductionPreviewRequest(why: why),
                    as: IntroductionPreviewResponse.self)
            }
            subject = subject ?? preview.value.subject
            text = text ?? preview.value.body
        }
        let request = IntroductionSendRequest(subject: subject ?? "", body: text ?? "", to: to)
        let reply = try await CLIErrors.run {
            try await client.send(.POST, "/api/v1/handovers/\(Outbox.pathSafe(id))/introduction/send", json: request, as: IntroductionRecord.self)
        }
        options.output.emit(raw: reply.json) {
            print("Introduction queued to \(reply.value.to.map(\.address).joined(separator: ", ")).\(reply.value.ticked ? " Checklist ticked." : "")")
            print("See it go out: handover outbox --handover \(id)")
        }
    }
}

struct IntroRecorded: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recorded", abstract: "Record that the customer was told another way.")
    @Argument(help: "Handover id.") var id: String
    @Option(help: "How they were told.") var note: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run {
            try await client.send(
                .POST, "/api/v1/handovers/\(Outbox.pathSafe(id))/introduction/recorded", json: IntroductionRecordedRequest(note: note),
                as: IntroductionRecord.self)
        }
        options.output.emit(raw: reply.json) { print("Recorded.\(reply.value.ticked ? " Checklist ticked." : "")") }
    }
}

/// `handover intro-template`: the organization's introduction template (admins set it).
struct IntroTemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intro-template",
        abstract: "Show or set the organization's introduction template.",
        discussion: """
            A Mustache subject and body. Variables: {{account.name}}, {{contactNames}}, \
            {{why}}, {{transferor.name}}, {{newOwner.name}}, {{newOwner.email}}, \
            {{bookingLink}}, lists {{#doneSoFar}}{{date}} {{text}}{{/doneSoFar}} and \
            {{#nextSteps}}{{title}} {{due}}{{/nextSteps}}. An unknown name is refused.

              handover intro-template show
              handover intro-template set --subject "Hi" --body-file t.txt
              handover intro-template set --reset
            """,
        subcommands: [IntroTemplateShow.self, IntroTemplateSet.self])
}

struct IntroTemplateShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the template in use.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/introduction-template", as: IntroductionTemplateResponse.self) }
        options.output.emit(raw: reply.json) { IntroTemplateShow.print(reply.value) }
    }

    static func print(_ template: IntroductionTemplateResponse) {
        Swift.print(template.customized ? "The organization's template:" : "The built-in template (not customized):")
        Swift.print("Subject: \(template.subject)")
        if let link = template.bookingLink { Swift.print("Booking link: \(link)") }
        Swift.print("")
        Swift.print(template.body)
    }
}

struct IntroTemplateSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Set the template (admins); --reset: the built-in one.")
    @Option(help: "The subject template.") var subject: String?
    @Option(help: "The body template.") var body: String?
    @Option(help: "Read the body template from this file.") var bodyFile: String?
    @Option(help: "A booking page for a first call ({{bookingLink}}).") var bookingLink: String?
    @Flag(help: "Go back to the built-in template.") var reset = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        if reset {
            let reply = try await CLIErrors.run { try await client.send(.DELETE, "/api/v1/introduction-template", body: nil, as: IntroductionTemplateResponse.self) }
            options.output.emit(raw: reply.json) { Swift.print("Back to the built-in template.") }
            return
        }
        let current = try await CLIErrors.run { try await client.get("/api/v1/introduction-template", as: IntroductionTemplateResponse.self) }.value
        let text = try bodyFile.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? body ?? current.body
        let request = IntroductionTemplateRequest(subject: subject ?? current.subject, body: text, bookingLink: bookingLink ?? current.bookingLink)
        let reply = try await CLIErrors.run { try await client.send(.PUT, "/api/v1/introduction-template", json: request, as: IntroductionTemplateResponse.self) }
        options.output.emit(raw: reply.json) { Swift.print("Saved the introduction template.") }
    }
}

/// `handover followup`: the follow-up after a completed handover.
struct FollowUpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "followup",
        abstract: "A handover's follow-up: show, answer, check in.",
        discussion: """
            N days after completion (the template's followUpAfterDays; 14 for customer \
            accounts) the recipient gets a short survey and the customer contacts who got \
            the introduction a survey link. A manager of the parties then checks in, which \
            verifies the handover. (Tests use a template with followUpAfterDays 0.)

              handover followup show H1
              handover followup answer H1 --score 4 --enough yes --rushed no --missing "…"
              handover followup check-in H1 --note "spoke to Rita and Ann"
            """,
        subcommands: [FollowUpShow.self, FollowUpAnswer.self, FollowUpCheckIn.self])
}

struct FollowUpShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the follow-up's state and answers.")
    @Argument(help: "Handover id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(Outbox.pathSafe(id))/follow-up", as: FollowUpResponse.self) }
        options.output.emit(raw: reply.json) {
            guard let followUp = reply.value.followUp else {
                print("No follow-up scheduled: it is scheduled when the handover completes.")
                return
            }
            print(followUp.startedAt.map { "Started \(HumanDate.format($0))." } ?? "Starts \(HumanDate.format(followUp.dueAt)).")
            if let answer = followUp.recipient {
                print("Recipient: score \(answer.score)/5, enough: \(answer.enough ? "yes" : "no"), rushed: \(answer.rushed ? "yes" : "no")")
                if !answer.missing.isEmpty { print("  missing: \(answer.missing)") }
            } else {
                print("Recipient: not answered.")
            }
            for survey in followUp.customers {
                let who = survey.contactName ?? survey.contactEmail
                if survey.answeredAt != nil {
                    print("Customer \(who): \(survey.satisfaction ?? 0)/5, repeated their story: \(survey.repeatedStory == true ? "yes" : "no")")
                    if let comment = survey.comment { print("  \(comment)") }
                } else {
                    print("Customer \(who): not answered (link valid until \(HumanDate.day(survey.expiresAt))).")
                }
            }
            print(followUp.checkedInAt.map { "Manager checked in \(HumanDate.format($0))." } ?? "Manager check-in: open.")
        }
    }
}

enum YesNo: String, ExpressibleByArgument, CaseIterable { case yes, no }

struct FollowUpAnswer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "answer", abstract: "As the recipient, answer the short survey.")
    @Argument(help: "Handover id.") var id: String
    @Option(help: "Overall, 1 (poor) to 5 (excellent).") var score: Int
    @Option(help: "Was it enough to take over? yes or no.") var enough: YesNo
    @Option(help: "Was it rushed? yes or no.") var rushed: YesNo
    @Option(help: "What was missing.") var missing: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let request = RecipientSurveyRequest(enough: enough == .yes, missing: missing, rushed: rushed == .yes, score: score)
        let reply = try await CLIErrors.run {
            try await client.send(.POST, "/api/v1/handovers/\(Outbox.pathSafe(id))/follow-up/answer", json: request, as: FollowUpResponse.self)
        }
        options.output.emit(raw: reply.json) { print("Thank you: your answers are recorded.") }
    }
}

struct FollowUpCheckIn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-in", abstract: "As a manager, check in: verifies the handover.")
    @Argument(help: "Handover id.") var id: String
    @Option(help: "What you checked.") var note: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run {
            try await client.send(.POST, "/api/v1/handovers/\(Outbox.pathSafe(id))/follow-up/check-in", json: NoteRequest(note: note), as: Handover.self)
        }
        options.output.emit(raw: reply.json) { print("Checked in: the handover is \(reply.value.state.rawValue).") }
    }
}
