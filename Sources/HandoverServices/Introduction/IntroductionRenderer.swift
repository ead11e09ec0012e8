import Foundation
import HandoverCore
import Mustache

/// What an introduction is rendered from: the packet's facts, as the template's variables.
public struct IntroductionFacts: Sendable, Hashable {
    public struct Done: Sendable, Hashable {
        public var date: String
        public var text: String
    }
    public struct Step: Sendable, Hashable {
        public var title: String
        public var due: String?
        public var owner: String?
    }
    public var accountName: String
    public var contactNames: String
    public var why: String?
    public var doneSoFar: [Done]
    public var nextSteps: [Step]
    public var transferorName: String
    public var transferorEmail: String
    public var newOwnerName: String
    public var newOwnerEmail: String
    public var newOwnerPhone: String?
    public var bookingLink: String?
}

/// Renders an `IntroductionTemplate` with swift-mustache, and checks one before it is saved.
/// Pure: the same template and facts give the same text. Plain text throughout (no HTML
/// escaping: the email's HTML alternative is made from the edited text, escaped, and every page
/// that shows it escapes it).
public enum IntroductionRenderer {
    /// The variables a template may name, and those inside a list section.
    public static let variables: [String] = [
        "account.name", "contactNames", "why", "hasDoneSoFar", "doneSoFar", "hasNextSteps", "nextSteps", "transferor.name", "transferor.email",
        "newOwner.name", "newOwner.email", "newOwner.phone", "bookingLink",
    ]
    static let listItems: [String: [String]] = ["doneSoFar": ["date", "text"], "nextSteps": ["title", "due", "owner"]]

    /// A template that does not parse, or names a variable that is not one of `variables`.
    public struct Refusal: Error, Sendable, Equatable {
        public var problems: [Problem]
    }

    /// Refuses a template whose subject or body does not parse or names an unknown variable (a
    /// misspelt `{{newowner.name}}` would otherwise render as nothing in every customer's email).
    public static func check(_ template: IntroductionTemplate) -> [Problem] {
        var problems: [Problem] = []
        for (path, text) in [("subject", template.subject), ("body", template.body)] {
            do {
                _ = try MustacheTemplate(string: text)
            } catch {
                problems.append(Problem(path: path, message: "is not a valid Mustache template (\(describe(error)))"))
                continue
            }
            problems += unknownNames(in: text).map {
                Problem(path: path, message: "names {{\($0)}}, which is not a variable; the variables are \(variables.joined(separator: ", "))")
            }
        }
        if template.subject.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append(Problem(path: "subject", message: "is empty")) }
        if template.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append(Problem(path: "body", message: "is empty")) }
        if template.subject.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            problems.append(Problem(path: "subject", message: "cannot contain line breaks"))
        }
        if template.subject.count > IntroductionTemplate.maxSubjectLength {
            problems.append(Problem(path: "subject", message: "is longer than \(IntroductionTemplate.maxSubjectLength) characters"))
        }
        if template.body.count > IntroductionTemplate.maxBodyLength {
            problems.append(Problem(path: "body", message: "is longer than \(IntroductionTemplate.maxBodyLength) characters"))
        }
        if let link = template.bookingLink, !link.isEmpty, !BriefingRules.isWebLink(link) || URLComponents(string: link)?.user != nil {
            problems.append(Problem(path: "bookingLink", message: "is an http(s) address without spaces or a user name and password"))
        }
        return problems
    }

    /// The subject and body for `facts`. A template that was checked renders; one that does not
    /// parse (it cannot be saved) renders as its own text.
    public static func render(_ template: IntroductionTemplate, facts: IntroductionFacts) -> (subject: String, body: String) {
        let context = self.context(facts)
        func run(_ text: String) -> String {
            guard let mustache = try? MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text) else { return text }
            return mustache.render(context)
        }
        let subject = run(template.subject).unicodeScalars.map { $0.properties.generalCategory == .control ? " " : String($0) }.joined()
        return (subject.trimmingCharacters(in: .whitespaces), run(template.body).trimmingCharacters(in: .whitespacesAndNewlines) + "\n")
    }

    static func context(_ facts: IntroductionFacts) -> [String: Any] {
        var context: [String: Any] = [
            "account": ["name": facts.accountName],
            "contactNames": facts.contactNames,
            "hasDoneSoFar": !facts.doneSoFar.isEmpty,
            "doneSoFar": facts.doneSoFar.map { ["date": $0.date, "text": $0.text] },
            "hasNextSteps": !facts.nextSteps.isEmpty,
            "nextSteps": facts.nextSteps.map { step -> [String: Any] in
                var item: [String: Any] = ["title": step.title]
                if let due = step.due { item["due"] = due }
                if let owner = step.owner { item["owner"] = owner }
                return item
            },
            "transferor": ["name": facts.transferorName, "email": facts.transferorEmail],
        ]
        var newOwner: [String: Any] = ["name": facts.newOwnerName, "email": facts.newOwnerEmail]
        if let phone = facts.newOwnerPhone, !phone.isEmpty { newOwner["phone"] = phone }
        context["newOwner"] = newOwner
        if let why = facts.why, !why.isEmpty { context["why"] = why }
        if let link = facts.bookingLink, !link.isEmpty { context["bookingLink"] = link }
        return context
    }

    /// The names in a template's tags that are not variables (in order, once each). Partials,
    /// pragmas, delimiter changes and transforms are refused as unknown: the template is data an
    /// admin edits, not a program.
    static func unknownNames(in text: String) -> [String] {
        var unknown: [String] = []
        var sections: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            rest = rest[open.upperBound...]
            var tag: Substring
            if rest.hasPrefix("{"), let close = rest.range(of: "}}}") {
                tag = rest[rest.index(after: rest.startIndex)..<close.lowerBound]
                rest = rest[close.upperBound...]
            } else if let close = rest.range(of: "}}") {
                tag = rest[..<close.lowerBound]
                rest = rest[close.upperBound...]
            } else {
                break
            }
            tag = tag.drop(while: \.isWhitespace)
            var sigil: Character? = nil
            if let first = tag.first, "#^/&!>=%$<".contains(first) {
                sigil = first
                tag = tag.dropFirst()
            }
            let name = tag.trimmingCharacters(in: .whitespaces)
            if sigil == "!" { continue }
            let known: Bool
            if ["<", ">", "=", "%", "$"].contains(sigil) {
                known = false
            } else if name == "." {
                known = !sections.isEmpty
            } else {
                let inList = sections.reversed().compactMap { listItems[$0] }.first ?? []
                known = variables.contains(name) || inList.contains(name)
            }
            if !known, !unknown.contains(name) { unknown.append(name.isEmpty ? String(sigil ?? " ") : name) }
            if sigil == "#" || sigil == "^" { sections.append(name) }
            if sigil == "/", !sections.isEmpty { sections.removeLast() }
        }
        return unknown
    }

    static func describe(_ error: any Error) -> String {
        if let parse = error as? MustacheTemplate.ParserError {
            return "\(parse.error) at line \(parse.context.lineNumber), column \(parse.context.columnNumber)"
        }
        return "\(error)"
    }
}
