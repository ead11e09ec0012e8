import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `handover notifications`: how you hear of each event, and changing it.
struct Notifications: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or change how you hear of events.",
        discussion: """
            Each event reaches you by email at once (the default), as a line in a daily \
            digest email instead, or not at all. Your settings are yours: nobody else, \
            not even an admin, sees or changes them.

            Events: \(NotificationKind.allCases.map(\.rawValue).joined(separator: ", ")).

            Examples:
              handover notifications
              handover notifications set question.asked digest
              handover notifications set handover.overdue off
            """,
        subcommands: [ShowNotifications.self, SetNotification.self], defaultSubcommand: ShowNotifications.self)

    static func printSettings(_ settings: NotificationSettingsResponse) {
        let width = settings.items.map(\.kind.count).max() ?? 0
        for item in settings.items {
            print(
                "\(item.kind.padding(toLength: width, withPad: " ", startingAt: 0))  \(item.setting.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0))  \(item.summary)"
            )
        }
    }
}

struct ShowNotifications: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show each event with how you hear of it.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/me/notifications", as: NotificationSettingsResponse.self) }
        options.output.emit(raw: reply.json) { Notifications.printSettings(reply.value) }
    }
}

struct SetNotification: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Choose how you hear of one event.",
        discussion: """
            SETTING is email (at once), digest (in the daily digest email) or off. \
            What is already waiting for your digest still goes out in the next one. \
            briefing.invitation is email or off: a digest cannot carry the invitation.

            Example: handover notifications set handover.returned digest
            """)
    @Argument(help: "The event, e.g. question.asked ('handover notifications' lists them).") var kind: String
    @Argument(help: "email, digest or off.") var setting: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run {
            try await client.send(
                .PUT, "/api/v1/me/notifications", json: UpdateNotificationSettingsRequest(settings: [kind: setting]), as: NotificationSettingsResponse.self)
        }
        options.output.emit(raw: reply.json) {
            print("You now hear of \(kind) by \(setting == "off" ? "nothing (off)" : setting).")
            print()
            Notifications.printSettings(reply.value)
        }
    }
}
