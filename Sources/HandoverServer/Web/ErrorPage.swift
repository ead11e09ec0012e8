import Foundation
import Hummingbird

/// What a browser sees when a page cannot be shown: a sentence that says what to do next,
/// never a stack trace. Not signed in (or the session expired) sends you to sign in.
enum ErrorPage {
    /// `requestID` is shown so that a person can quote it (it is in the server's log line too).
    /// `viewer`: the signed-in member, whose navigation the page keeps.
    static func response(for error: APIError, requestID: String = "", viewer: Viewer? = nil) -> Response {
        if error.status == .unauthorized { return Web.redirect("/login") }
        let reference: HTML = requestID.isEmpty ? HTML.empty : "<p class=\"muted\">Reference: <code>\(requestID)</code></p>"
        let problems: HTML = Web.errors(error.errors ?? [])
        let findings: [HTML] = (error.findings ?? []).map { "<li>\($0.text)</li>" }
        let html = Layout(title: error.title, member: viewer?.member, csrf: viewer?.csrf).render(
            """
            <h1>\(error.title)</h1>
            <p class="lead">\(error.detail)</p>
            \(problems)
            \(findings.isEmpty ? HTML.empty : "<ul class=\"findings\">\(findings)</ul>")
            <p><a href="/" class="button">Home</a></p>
            \(reference)
            """)
        return Web.page(html, status: error.status, headers: error.headers)
    }
}
