import Foundation
import HandoverCore

/// One event kind with the caller's setting for it, as GET and PUT /api/v1/me/notifications answer.
public struct NotificationSettingResponse: Codable, Sendable, Equatable {
    /// `handover.submitted`, `question.asked`, … (`NotificationKind`).
    public var kind: String
    /// `email`, `digest` or `off`.
    public var setting: NotificationSetting
    /// What the event is, in words.
    public var summary: String

    public init(kind: String, setting: NotificationSetting, summary: String) {
        self.kind = kind
        self.setting = setting
        self.summary = summary
    }
}

/// The caller's notification settings, every kind in a fixed order.
public struct NotificationSettingsResponse: Codable, Sendable, Equatable {
    public var items: [NotificationSettingResponse]

    public init(_ preferences: NotificationPreferences) {
        items = preferences.all.map { NotificationSettingResponse(kind: $0.kind.rawValue, setting: $0.setting, summary: $0.kind.summary) }
    }
}

/// PUT /api/v1/me/notifications: some kinds with their new settings; kinds left out keep theirs.
/// Kinds and settings are strings here so that an unknown one is a 422 that names it.
public struct UpdateNotificationSettingsRequest: Codable, Sendable, Equatable {
    public var settings: [String: String]

    public init(settings: [String: String]) {
        self.settings = settings
    }
}
