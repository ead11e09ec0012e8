import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

struct Ask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Post a question (or an answer) in a handover's thread.",
        discussion: """
            The recipient asks while reviewing; the transferor answers in the same thread. Everyone who
            can see the handover reads the thread ('handover questions ID').

            Example:
              handover ask 01J… "Who signs the renewal: the CFO?"
            """)
    @Argument(help: "Handover id.") var id: String
    @Argument(help: "What you ask or answer. Use '-' to read it from standard input.") var text: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let body = text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : text
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw CLIError("The message is empty: say what you want to know.") }
        let client = try options.client()
        let reply = try await CLIErrors.run {
            try await client.send(.POST, "/api/v1/handovers/\(id)/questions", json: QuestionRequest(body: body), as: HandoverQuestion.self)
        }
        options.output.emit(raw: reply.json) { print("Posted in the thread of handover \(id).") }
    }
}

struct Questions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a handover's questions and answers, oldest first.")
    @Argument(help: "Handover id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(id)/questions", as: ListResponse<HandoverQuestion>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No questions yet. Ask one with 'handover ask \(id) \"…\"'.") }
            for question in reply.value.items {
                print("\(names[question.authorID] ?? question.authorID), \(HumanDate.format(question.createdAt)):")
                for line in question.body.split(separator: "\n", omittingEmptySubsequences: false) { print("  \(line)") }
            }
        }
    }
}
