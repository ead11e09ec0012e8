import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// Errors under `--format json`: one RFC 9457 problem document, on standard error, and a
/// non-zero exit status. Standard error, because standard output is where a script reads its
/// result: `handover list --format json | jq` must never take an error for data, and the exit
/// status says which of the two streams to read. The server's document is printed as it came;
/// an error the CLI found itself (bad arguments, no server) gets one of the same shape, without
/// `status`, since no HTTP exchange happened.
enum ErrorOutput {
    /// Whether the command line asks for JSON. Read from the arguments themselves: when parsing
    /// fails, there are no parsed options to ask.
    static func wantsJSON(_ arguments: [String]) -> Bool {
        zip(arguments, arguments.dropFirst()).contains { $0 == "--format" && $1 == "json" } || arguments.contains("--format=json")
    }

    static func document(for error: any Error) -> JSONValue {
        if let problem = (error as? CLIError)?.problem ?? (error as? ClientError)?.problem,
            let data = try? WireJSON.encoder.encode(problem), let value = try? JSONDecoder().decode(JSONValue.self, from: data)
        {
            return value
        }
        let kind =
            (error as? CLIError)?.kind ?? (error as? ClientError).flatMap(Kind.init)
            ?? (HandoverCommand.exitCode(for: error) == .validationFailure ? .usage : .failed)
        return .object([
            "type": .string("https://handover.dev/problems/cli/\(kind.rawValue)"), "title": .string(kind.title),
            "detail": .string(HandoverCommand.message(for: error)),
        ])
    }

    /// The kinds of error the CLI reports itself, with no problem document from a server.
    enum Kind: String {
        case unreachable
        case unexpectedAnswer = "unexpected-answer"
        case usage, failed

        init?(_ error: ClientError) {
            switch error {
            case .unreachable: self = .unreachable
            case .unexpected: self = .unexpectedAnswer
            case .unauthorized, .problem: return nil
            }
        }

        var title: String {
            switch self {
            case .unreachable: "Server unreachable"
            case .unexpectedAnswer: "Unexpected answer"
            case .usage: "Bad arguments"
            case .failed: "Command failed"
            }
        }
    }

    /// Prints `error` as a problem document and exits 1 (or the error's own status, for usage errors).
    static func exit(with error: any Error) -> Never {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(document(for: error))) ?? Data("{}".utf8)
        FileHandle.standardError.write(data + Data("\n".utf8))
        let code = HandoverCommand.exitCode(for: error)
        Foundation.exit(code.isSuccess ? 1 : code.rawValue)
    }
}
