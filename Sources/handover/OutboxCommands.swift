import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `handover outbox`: the emails Handover wrote and what became of them.
struct Outbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the emails Handover queued, sent and failed.",
        discussion: """
            Admins see every email of the organization; anyone else the emails about handovers they may see. \
            Queued emails wait for the server's mail job, or for an SMTP server (HANDOVER_SMTP_URL, see \
            'handover serve --help'); a failed one shows the SMTP server's reply.
            """)
    @Option(help: "Only emails about this handover id.") var handover: String?
    @Option(help: "Only emails in this state: queued, sent or failed.") var state: OutboxState?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        var query: [String] = []
        if let state { query.append("state=\(state.rawValue)") }
        let path = handover.map { "/api/v1/handovers/\(Self.pathSafe($0))/outbox" } ?? "/api/v1/outbox"
        let reply = try await CLIErrors.run {
            try await client.get(path + (query.isEmpty ? "" : "?" + query.joined(separator: "&")), as: ListResponse<OutboxMessageResponse>.self)
        }
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty {
                print(state == nil ? "No emails." : "No \(state!.rawValue) emails.")
                return
            }
            for message in reply.value.items {
                let to = (message.to + message.cc).map { address in address.name.map { "\($0) <\(address.address)>" } ?? address.address }.joined(separator: ", ")
                let when = message.sentAt.map { "sent \(HumanDate.format($0))" } ?? "written \(HumanDate.format(message.createdAt))"
                print("\(message.state.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(message.subject)")
                print("        to \(to); \(when); \(message.attempts) \(message.attempts == 1 ? "try" : "tries")")
                if let handoverID = message.handoverID { print("        handover \(handoverID)") }
                if let reply = message.lastReply { print("        server: \(reply)") }
            }
        }
    }

    /// An id goes in the path as it is only if it is one path segment.
    static func pathSafe(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? id
    }
}

extension OutboxState: ExpressibleByArgument {}
