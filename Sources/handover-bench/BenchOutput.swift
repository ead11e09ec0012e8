import ArgumentParser
import Foundation

// The few pieces of the CLI's output handling the benchmarks use, kept here so that the
// benchmark executable does not depend on the user-facing one.

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct OutputOptions: ParsableArguments {
    @Option(help: "text (figures on standard error only) or json (the figures as JSON on standard output too).") var format: OutputFormat = .text

    func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// A benchmark that cannot go on (the server did not start, a request failed); exits 1 with the message.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
