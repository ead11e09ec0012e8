import Foundation
import HandoverCore
import HandoverStore

/// A handover's or an account's attachments as its page shows them.
public struct AttachmentsModel: Sendable {
    public var owner: AttachmentOwner
    public var items: [Attachment]
    /// Whether the viewer may upload here.
    public var canAdd: Bool
    /// The ids the viewer may delete.
    public var deletable: Set<String>
    public var memberNames: [String: String]
    public var maxBytes: Int64

    public init(
        owner: AttachmentOwner, items: [Attachment], canAdd: Bool, deletable: Set<String> = [], memberNames: [String: String] = [:],
        maxBytes: Int64 = AttachmentSettings.defaultMaxBytes
    ) {
        self.owner = owner
        self.items = items
        self.canAdd = canAdd
        self.deletable = deletable
        self.memberNames = memberNames
        self.maxBytes = maxBytes
    }
}

extension AttachmentService {
    /// The section's model; reading is checked as for the list.
    public func pageModel(of owner: AttachmentOwner, for me: Member) async throws -> AttachmentsModel {
        let items = try await attachments(of: owner, by: me)
        var canAdd = true
        do {
            try await checkUpload(to: owner, name: "file", by: me)
        } catch is HandoverError {
            canAdd = false
        }
        let names = Member.namesByID(try await store.members(organizationID: me.organizationID))
        return AttachmentsModel(
            owner: owner, items: items, canAdd: canAdd, deletable: Set(items.filter { AttachmentAccess.canDelete($0, actor: me) }.map(\.id)),
            memberNames: names, maxBytes: settings.maxBytes)
    }
}
