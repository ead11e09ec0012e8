import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird

/// The caller's own notification settings: GET and PUT /api/v1/me/notifications. There is no
/// route for another member's: preferences are personal (`NotificationService.preferences`).
struct NotificationRoutes: Sendable {
    let notifications: NotificationService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.get("me/notifications") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(NotificationSettingsResponse(try await notifications.preferences(by: actor)))
        }
        api.put("me/notifications") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(UpdateNotificationSettingsRequest.self, from: request, context: context)
            return try JSONIO.response(NotificationSettingsResponse(try await notifications.setPreferences(body.settings, by: actor)))
        }
    }
}
