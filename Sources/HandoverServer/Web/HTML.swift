import Foundation

/// A fragment of HTML. Built with string interpolation that escapes every `String` it is given,
/// so text from users can only ever become text: markup is inserted only as another `HTML`.
///
///     let name = "<script>"
///     let page: HTML = "<p>\(name)</p>"   // <p>&lt;script&gt;</p>
public struct HTML: Sendable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public private(set) var description: String

    /// Markup the caller vouches for (constants in our own code, never user input).
    public init(unsafe markup: String) { description = markup }

    public init(stringLiteral value: String) { description = value }

    public init(stringInterpolation: Interpolation) { description = stringInterpolation.output }

    public static let empty = HTML(unsafe: "")

    public struct Interpolation: StringInterpolationProtocol {
        var output = ""

        public init(literalCapacity: Int, interpolationCount: Int) {
            output.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        public mutating func appendLiteral(_ literal: String) { output += literal }
        /// Text: escaped.
        public mutating func appendInterpolation(_ text: String) { HTML.escape(text, into: &output) }
        public mutating func appendInterpolation(_ text: String?) { if let text { HTML.escape(text, into: &output) } }
        public mutating func appendInterpolation(_ number: Int) { output += String(number) }
        /// Markup: inserted as is.
        public mutating func appendInterpolation(_ html: HTML) { output += html.description }
        public mutating func appendInterpolation(_ html: HTML?) { if let html { output += html.description } }
        public mutating func appendInterpolation(_ list: [HTML]) { for html in list { output += html.description } }
    }

    public static func escape(_ text: String, into output: inout String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(scalar)
            }
        }
    }

    /// Attributes that are present or absent.
    public static func attribute(_ name: String, _ on: Bool) -> HTML { on ? HTML(unsafe: " " + name) : .empty }
}
