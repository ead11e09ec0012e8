import Foundation
import HandoverCore

/// `PUT /introduction-template`: the organization's introduction template (admins).
public struct IntroductionTemplateRequest: Codable, Sendable {
    public var subject: String
    public var body: String
    public var bookingLink: String?

    public init(subject: String, body: String, bookingLink: String? = nil) {
        self.subject = subject
        self.body = body
        self.bookingLink = bookingLink
    }
}

/// `GET|PUT /introduction-template`: the template in use and the variables it may name.
public struct IntroductionTemplateResponse: Codable, Sendable, Equatable {
    public var subject: String
    public var body: String
    public var bookingLink: String?
    /// False while the organization uses the built-in template.
    public var customized: Bool
    public var variables: [String]

    public init(_ template: IntroductionTemplate, variables: [String]) {
        subject = template.subject
        body = template.body
        bookingLink = template.bookingLink
        customized = template.customized
        self.variables = variables
    }
}

/// `POST /handovers/{id}/introduction/preview`.
public struct IntroductionPreviewRequest: Codable, Sendable {
    /// Why the account changes hands, in the transferor's words (the `{{why}}` variable).
    public var why: String?

    public init(why: String? = nil) { self.why = why }
}

/// The rendered introduction for the transferor to edit, and whom it can go to.
public struct IntroductionPreviewResponse: Codable, Sendable, Equatable {
    public var subject: String
    public var body: String
    /// The key contacts with an email address: `to` of the send takes some of theirs.
    public var contacts: [Contact]
    /// The sender as the customer sees it (the `From`; Handover's address is the `Sender`).
    public var from: MailAddress
    /// The new owner, in copy.
    public var cc: MailAddress
    /// Whether sending ticks "Tell the customer about the change and why" in the packet.
    public var willTick: Bool
    /// Introductions sent or recorded so far.
    public var sent: [IntroductionRecord]

    public init(subject: String, body: String, contacts: [Contact], from: MailAddress, cc: MailAddress, willTick: Bool, sent: [IntroductionRecord]) {
        self.subject = subject
        self.body = body
        self.contacts = contacts
        self.from = from
        self.cc = cc
        self.willTick = willTick
        self.sent = sent
    }
}

/// `POST /handovers/{id}/introduction/send`: the edited text and the chosen key contacts.
public struct IntroductionSendRequest: Codable, Sendable {
    public var subject: String
    public var body: String
    public var to: [String]

    public init(subject: String, body: String, to: [String]) {
        self.subject = subject
        self.body = body
        self.to = to
    }
}

/// `POST /handovers/{id}/introduction/recorded`: sent from elsewhere.
public struct IntroductionRecordedRequest: Codable, Sendable {
    public var note: String?

    public init(note: String? = nil) { self.note = note }
}

/// `GET /handovers/{id}/follow-up`.
public struct FollowUpResponse: Codable, Sendable, Equatable {
    /// False until the handover completes (with a template that has a follow-up).
    public var scheduled: Bool
    public var followUp: FollowUp?

    public init(_ followUp: FollowUp?) {
        scheduled = followUp != nil
        self.followUp = followUp
    }
}

/// `POST /handovers/{id}/follow-up/answer`: the recipient's short survey.
public struct RecipientSurveyRequest: Codable, Sendable {
    public var enough: Bool
    public var missing: String?
    public var rushed: Bool
    public var score: Int

    public init(enough: Bool, missing: String? = nil, rushed: Bool, score: Int) {
        self.enough = enough
        self.missing = missing
        self.rushed = rushed
        self.score = score
    }
}
