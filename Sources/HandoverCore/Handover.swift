import Foundation

/// Where a handover is in its life. See `Docs/Lifecycle.md`.
public enum HandoverState: String, Sendable, Hashable, Codable, CaseIterable {
    case draft, submitted, returned, acknowledged, completed, verified, closed, cancelled

    /// Open handovers block another one on the same account.
    public var isOpen: Bool {
        switch self {
        case .draft, .submitted, .returned, .acknowledged: true
        case .completed, .verified, .closed, .cancelled: false
        }
    }

    public static let openStates: [HandoverState] = allCases.filter(\.isOpen)
}

/// One transfer of one account from a transferor to a recipient.
public struct Handover: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var accountID: String
    public var templateKey: String
    public var templateVersion: Int
    public var transferorID: String
    public var recipientID: String
    public var state: HandoverState
    public var content: HandoverContent
    /// The fields it started with, filled in from the account's profile and imported activity,
    /// keyed by `section.field`: where each came from and whether anyone has reviewed it
    /// (`Docs/Prefill.md`). Nil when nothing was pre-filled.
    public var prefill: [String: PrefilledField]?
    /// The recipient's restatement in their own words, given at acknowledgment.
    public var synthesis: String?
    /// Why the recipient returned it, when they did.
    public var returnReason: String?
    /// Incremented on every change; the ETag for optimistic concurrency.
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var submittedAt: Date?
    public var acknowledgedAt: Date?
    public var completedAt: Date?

    public init(
        id: String, organizationID: String, accountID: String, templateKey: String, templateVersion: Int,
        transferorID: String, recipientID: String, state: HandoverState = .draft,
        content: HandoverContent = HandoverContent(), prefill: [String: PrefilledField]? = nil, synthesis: String? = nil, returnReason: String? = nil,
        version: Int = 1, createdAt: Date, updatedAt: Date,
        submittedAt: Date? = nil, acknowledgedAt: Date? = nil, completedAt: Date? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.accountID = accountID
        self.templateKey = templateKey
        self.templateVersion = templateVersion
        self.transferorID = transferorID
        self.recipientID = recipientID
        self.state = state
        self.content = content
        self.prefill = prefill
        self.synthesis = synthesis
        self.returnReason = returnReason
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.submittedAt = submittedAt
        self.acknowledgedAt = acknowledgedAt
        self.completedAt = completedAt
    }
}

/// A request to move a handover along its lifecycle.
public enum HandoverEvent: Sendable, Hashable {
    case submit
    /// The recipient sends it back for more, saying why.
    case returnToTransferor(reason: String)
    /// The transferor takes a returned handover back into draft.
    case revise
    /// The recipient accepts, restating the handover in their own words.
    case acknowledge(synthesis: String)
    /// Ownership of the account moves to the recipient.
    case complete
    /// A manager checks, after the fact, that the handover took.
    case verify(note: String?)
    case close
    case cancel(reason: String?)

    /// The event an action's name stands for (`POST /api/v1/handovers/:id/<name>`, the web's
    /// forms), with the words that came with it: the reason, synthesis or note, whichever the
    /// event takes. Nil for a name that is no event. The one mapping, for the API and the web.
    public init?(name: String, text: String?) {
        switch name {
        case "submit": self = .submit
        case "return": self = .returnToTransferor(reason: text ?? "")
        case "revise": self = .revise
        case "acknowledge": self = .acknowledge(synthesis: text ?? "")
        case "complete": self = .complete
        case "verify": self = .verify(note: text)
        case "close": self = .close
        case "cancel": self = .cancel(reason: text)
        default: return nil
        }
    }

    /// The words that came with the event, named as the API's body names them: what is stored
    /// (the reason, synthesis or note) and so what `CredentialScan` reads before it is.
    public var texts: [(path: String, text: String?)] {
        switch self {
        case .returnToTransferor(let reason): [("reason", reason)]
        case .acknowledge(let synthesis): [("synthesis", synthesis)]
        case .verify(let note): [("note", note)]
        case .cancel(let reason): [("reason", reason)]
        case .submit, .revise, .complete, .close: []
        }
    }

    /// Every event's name, as `name` gives it.
    public static let names = ["submit", "return", "revise", "acknowledge", "complete", "verify", "close", "cancel"]

    public var name: String {
        switch self {
        case .submit: "submit"
        case .returnToTransferor: "return"
        case .revise: "revise"
        case .acknowledge: "acknowledge"
        case .complete: "complete"
        case .verify: "verify"
        case .close: "close"
        case .cancel: "cancel"
        }
    }
}

/// The record of one transition, written in the same transaction as the change.
public struct HandoverEventRecord: Sendable, Hashable, Codable {
    public var id: String
    public var handoverID: String
    public var organizationID: String
    public var actorID: String
    public var event: String
    /// The handover's version after this event: orders events even within one millisecond.
    public var handoverVersion: Int
    public var fromState: HandoverState?
    public var toState: HandoverState
    public var note: String?
    public var at: Date

    public init(
        id: String, handoverID: String, organizationID: String, actorID: String, event: String, handoverVersion: Int,
        fromState: HandoverState?, toState: HandoverState, note: String?, at: Date
    ) {
        self.id = id
        self.handoverID = handoverID
        self.organizationID = organizationID
        self.actorID = actorID
        self.event = event
        self.handoverVersion = handoverVersion
        self.fromState = fromState
        self.toState = toState
        self.note = note
        self.at = at
    }
}
