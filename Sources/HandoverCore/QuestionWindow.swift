import Foundation

/// How long a handover's thread takes questions. While the handover is open it always does; after
/// completion, for the template's `rules.questionsOpenForDays` (30 when it does not say), so that
/// the previous owner stays reachable and their answers join the record; a cancelled handover's
/// thread is closed. Verifying or closing a completed handover does not shorten the window: it
/// counts from completion.
public enum QuestionWindow {
    public static let defaultDays = 30
    public static let maxDays = 365

    /// The days after completion a template gives.
    public static func days(_ rules: TemplateRules) -> Int { rules.questionsOpenForDays ?? defaultDays }

    /// When the thread stops taking questions: nil while the handover is open (it ends with the
    /// handover), and for a cancelled one (closed already).
    public static func closesAt(_ handover: Handover, rules: TemplateRules) -> Date? {
        guard [.completed, .verified, .closed].contains(handover.state), let completed = handover.completedAt else { return nil }
        return completed.addingTimeInterval(TimeInterval(days(rules)) * 86_400)
    }

    public static func isOpen(_ handover: Handover, rules: TemplateRules, at now: Date) -> Bool {
        if handover.state.isOpen { return true }
        return closesAt(handover, rules: rules).map { now < $0 } ?? false
    }

    /// Whether a message was written after the handover completed (shown as such in the thread).
    public static func isAfterCompletion(_ question: HandoverQuestion, of handover: Handover) -> Bool {
        handover.completedAt.map { question.createdAt > $0 } ?? false
    }
}
