import ArgumentParser
import Foundation
import HandoverWire

/// `handover accounts ask`: the question answerer (Docs/Answers.md) from the terminal.
struct AccountAskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Ask an account's record a question: the passages that answer it, with where they come from.",
        discussion: """
            Searches the account's profile, its handovers' packets, their threads and briefing notes
            (only the handovers you may see) and prints the best passages, each with a link to its page.
            It also says which handover's thread would take the question to the previous owner, for when
            the passages do not answer it: post it there with `handover ask HANDOVER "…"`.

            Example:
              handover accounts ask ACC123 "who signs the renewal?"
            """)
    @Argument(help: "Account id.") var id: String
    @Argument(help: "The question, in your own words (quote it).") var question: [String]
    @Option(help: "How many passages at most (1 to 20).") var limit: Int = 5
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let text = question.joined(separator: " ")
        let q = text.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#"))) ?? ""
        let reply = try await CLIErrors.run { try await client.get("/api/v1/accounts/\(id)/answers?q=\(q)&limit=\(limit)", as: AnswerResponse.self) }
        options.output.emit(raw: reply.json) {
            let answer = reply.value
            if answer.passages.isEmpty { print("Nothing in the record has these words.") }
            for (i, p) in answer.passages.enumerated() {
                print("\(i + 1). \(p.title)  [\(p.kind.rawValue)]")
                for line in p.text.split(separator: "\n") { print("   \(line)") }
                print("   \(client.server.absoluteString.trimmingSuffix("/"))\(p.link)\n")
            }
            if let ask = answer.ask {
                print("\(answer.passages.isEmpty ? "Ask" : "Not answered? Ask") \(ask.previousOwnerName), the previous owner, in the handover's thread:")
                print("  handover ask \(ask.handoverID) \"\(answer.question.replacingOccurrences(of: "\"", with: "\\\""))\"")
            } else if answer.passages.isEmpty {
                print("No handover of this account takes your questions now: ask its owner directly.")
            }
        }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
