import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import HandoverWire

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct OutputOptions: ParsableArguments {
    @Option(help: "text (for people) or json (for scripts).") var format: OutputFormat = .text

    /// Prints `json` as JSON, or runs `text` to print for people.
    func emit(_ json: [String: JSONValue], text: () -> Void) throws {
        if format == .json { try printJSON(JSONValue.object(json)) } else { text() }
    }

    /// Prints the server's JSON as it came, or runs `text`.
    func emit(raw: Data, text: () -> Void) {
        if format == .json {
            print(String(decoding: raw, as: UTF8.self))
        } else {
            text()
        }
    }

    func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// An error with a message for the user; exits 1 without a stack of detail. Under `--format json`
/// it is printed as `problem`, the server's problem document, when the error came from the server;
/// else as one the CLI makes, of the kind `kind` names (`ErrorOutput`).
struct CLIError: Error, CustomStringConvertible {
    var description: String
    var problem: ProblemDetails?
    var kind: ErrorOutput.Kind?
    init(_ description: String, problem: ProblemDetails? = nil, kind: ErrorOutput.Kind? = nil) {
        self.description = description
        self.problem = problem
        self.kind = kind
    }
}

enum CLIErrors {
    /// Runs `body`, turning domain and storage errors into readable messages.
    static func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as HandoverError {
            var lines = [error.message]
            // One problem is in the message already ("Invalid input: synthesis: …").
            if case .invalid(let problems) = error, problems.count > 1 { lines += problems.map { "  - \($0)" } }
            throw CLIError(lines.joined(separator: "\n"))
        } catch let error as StoreError {
            throw CLIError(error.message)
        } catch let error as ClientError {
            throw CLIError(error.description, problem: error.problem, kind: ErrorOutput.Kind(error))
        }
    }
}
