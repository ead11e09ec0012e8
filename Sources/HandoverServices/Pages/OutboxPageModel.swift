import Foundation
import HandoverCore
import HandoverStore

/// The organization's outbox page (admins): its emails, newest first, with the handovers' account
/// names, and whether any SMTP server sends them.
public struct OutboxPageModel: Sendable {
    public var messages: [OutboxMessage]
    public var state: OutboxState?
    /// Handover id → "Account name" for the messages' links.
    public var handoverNames: [String: String]

    public init(messages: [OutboxMessage], state: OutboxState?, handoverNames: [String: String] = [:]) {
        self.messages = messages
        self.state = state
        self.handoverNames = handoverNames
    }
}

extension PageModels {
    /// Admins only: the whole organization's outbox.
    public func outbox(state: OutboxState?, for me: Member) async throws -> OutboxPageModel {
        guard me.role == .admin else {
            throw HandoverError.notPermitted(action: "see the organization's outbox", reason: "only admins see every email; a handover's page shows its own")
        }
        let store = handovers.store
        let messages = try await store.outboxMessages(organizationID: me.organizationID, filter: OutboxFilter(viewer: me, state: state, limit: 200))
        var names: [String: String] = [:]
        for id in Set(messages.compactMap(\.handoverID)) {
            guard let handover = try await store.handover(id: id, organizationID: me.organizationID) else { continue }
            names[id] = try await store.accountNames(ids: [handover.accountID], organizationID: me.organizationID)[handover.accountID]
        }
        return OutboxPageModel(messages: messages, state: state, handoverNames: names)
    }
}
