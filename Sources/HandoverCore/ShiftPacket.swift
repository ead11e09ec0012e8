import Foundation

/// The next shift's draft, from the previous shift's packet (issue 16, part 5): what was
/// written carries over, so the outgoing person updates rather than rewrites, except what
/// belongs to one shift only.
public enum ShiftPacket {
    /// Statuses that close an item: it stays with the shift that closed it.
    public static let doneStatuses: Set<String> = ["done", "closed", "resolved", "complete", "completed", "cancelled", "canceled", "fixed"]

    /// `previous`, read against `template`: items whose status says done are dropped (the
    /// open ones carry over, with their owner, due day and notes); checklists are dropped (they
    /// are ticked together, anew at each change); a field the template does not have, or whose
    /// value no longer fits it, is dropped rather than failing the draft.
    public static func carryOver(_ previous: HandoverContent, template: Template) -> HandoverContent {
        var content = HandoverContent()
        for section in template.sections {
            for field in section.fields {
                guard let value = previous[section.id, field.id], case .success(let parsed) = field.parse(value, at: "\(section.id).\(field.id)") else {
                    continue
                }
                switch parsed {
                case .checklist:
                    continue
                case .items(let items):
                    // The written JSON, less the closed ones: nothing else of an item changes.
                    guard case .array(let written) = value, written.count == items.count else { continue }
                    let open = zip(written, items).filter { !isDone($0.1) }.map(\.0)
                    if !open.isEmpty { content[section.id, field.id] = .array(open) }
                default:
                    content[section.id, field.id] = value
                }
            }
        }
        return content
    }

    public static func isDone(_ item: OpenItem) -> Bool {
        guard let status = item.status?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() else { return false }
        return doneStatuses.contains(status)
    }
}
