import Foundation
import HandoverCore

/// Which outbox messages to list, newest first.
public struct OutboxFilter: Sendable, Hashable {
    /// Only what this member may see: admins every message of the organization; everyone else
    /// the messages about handovers they may see (`Access.canView`: parties, their managers,
    /// auditors). Nil for an operator's or a job's read.
    public var viewer: Member?
    public var handoverID: String?
    public var state: OutboxState?
    public var limit: Int

    public init(viewer: Member?, handoverID: String? = nil, state: OutboxState? = nil, limit: Int = 100) {
        self.viewer = viewer
        self.handoverID = handoverID
        self.state = state
        self.limit = limit
    }
}
