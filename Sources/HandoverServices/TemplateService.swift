import Foundation
import HandoverCore
import HandoverStore

/// Handover templates: the built-ins and an organization's own. Only admins add templates.
public struct TemplateService: Sendable {
    let store: any HandoverStore
    let clock: WallClock

    public init(store: any HandoverStore, clock: WallClock = .system) {
        self.store = store
        self.clock = clock
    }

    /// Built-ins and the organization's own templates.
    public func templates(organizationID: String) async throws -> [Template] {
        TemplateLibrary.builtIns + (try await store.templates(organizationID: organizationID))
    }

    /// A template by key; the latest version unless one is named.
    public func template(key: String, version: Int?, organizationID: String) async throws -> Template {
        let candidates = try await templates(organizationID: organizationID).filter { $0.key == key }
        let found = version.map { v in candidates.first { $0.version == v } } ?? candidates.max { $0.version < $1.version }
        guard let found else { throw StoreError.notFound("template \(key)\(version.map { " version \($0)" } ?? "")") }
        return found
    }

    public func addTemplate(_ data: Data, by actor: Member) async throws -> Template {
        guard actor.role == .admin else { throw HandoverError.notPermitted(action: "add templates", reason: "only admins add templates") }
        switch Template.parse(data) {
        case .failure(let error): throw HandoverError.invalid(error.problems)
        case .success(let template):
            try await store.addTemplate(template, organizationID: actor.organizationID, createdBy: actor.id, at: clock.now())
            return template
        }
    }
}
