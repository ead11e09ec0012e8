import Foundation
import HandoverServices
import Hummingbird
import HTTPTypes

/// Cross-site request forgery protection for the web forms.
///
/// A signed-in form carries a token derived from the session cookie's secret value
/// (SHA-256 of "csrf:" + value): another site can make the browser send the cookie but can
/// neither read it nor compute the token. Stateless, so it works on every replica.
/// The sign-in form, before any session exists, uses a double-submit cookie instead.
enum CSRF {
    static let preSessionCookie = "handover_csrf"

    static func token(session: String) -> String { Secrets.digest("csrf:" + session) }

    /// The token for the request's session, if it has one.
    static func token(for request: Request) -> String? {
        request.cookies[sessionCookieName].map { token(session: $0.value) }
    }

    static func field(_ token: String?) -> HTML {
        guard let token else { return .empty }
        return "<input type=\"hidden\" name=\"csrf\" value=\"\(token)\">"
    }

    /// Refuses the form unless its token matches the session's.
    static func check(_ form: Form, request: Request) throws {
        guard let expected = token(for: request), let sent = form["csrf"], constantTimeEqual(expected, sent) else {
            throw APIError.forbidden("This form has expired or did not come from Handover. Go back, reload the page and try again.")
        }
    }

    /// The sign-in form: the hidden field must equal the `handover_csrf` cookie set with the form.
    static func checkPreSession(_ form: Form, request: Request) throws {
        guard let cookie = request.cookies[preSessionCookie]?.value, !cookie.isEmpty, let sent = form["csrf"], constantTimeEqual(cookie, sent) else {
            throw APIError.forbidden("The sign-in form has expired. Reload the page and try again.")
        }
    }

    /// A raw body posted by a page's script (an upload): the form's token rides in the
    /// X-CSRF-Token header, as the hidden field does in a form.
    static func requireHeader(_ request: Request) throws {
        guard let expected = token(for: request), let sent = request.headers[HTTPField.Name("X-CSRF-Token")!], constantTimeEqual(expected, sent) else {
            throw APIError.forbidden("This page has expired or the upload did not come from Handover. Reload the page and try again.")
        }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
