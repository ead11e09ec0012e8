import Crypto
import Foundation
import Hummingbird
import NIOCore

/// A file of `Resources/` served under a URL that names its content: `/assets/app.<hash>.js`,
/// the hash being the first 12 hex digits of the file's SHA-256. A browser may then keep it for
/// a year without asking again (`immutable`), and a new version is a new URL that the next page
/// load picks up at once.
struct Asset: Sendable {
    /// The resource's file name, e.g. `app.js`.
    let name: String
    let contentType: String
    let bytes: ByteBuffer
    /// The URL pages reference, e.g. `/assets/app.3f2a9c0b1d4e.js`.
    let path: String

    /// Loads `name` from the target's resources; a missing file is a build error, not a state to
    /// serve pages in, so it stops the server at start.
    init(_ name: String, contentType: String) {
        let file = name as NSString
        guard let url = Bundle.module.url(forResource: file.deletingPathExtension, withExtension: file.pathExtension, subdirectory: "Resources"),
            let data = try? Data(contentsOf: url)
        else {
            preconditionFailure("the resource Resources/\(name) is missing from the HandoverServer bundle")
        }
        self.init(name, contentType: contentType, data: data)
    }

    init(_ name: String, contentType: String, data: Data) {
        let file = name as NSString
        let hash = SHA256.hash(data: data).prefix(6).map { String(format: "%02x", $0) }.joined()
        self.name = name
        self.contentType = contentType
        self.bytes = ByteBuffer(bytes: data)
        self.path = "/assets/\(file.deletingPathExtension).\(hash).\(file.pathExtension)"
    }

    /// The file, cacheable for a year: its URL changes whenever its content does.
    var response: Response {
        Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "public, max-age=31536000, immutable"], body: .init(byteBuffer: bytes))
    }
}

/// The stylesheet and the small scripts, read once (the first page or route that names
/// them, which is the router's set-up). No framework: every page works without the scripts.
/// Only these exact URLs are served: an old hash, or a name without one, is a 404 rather than
/// today's file, since a page from another version expects that version's bytes.
enum Assets {
    static let css = Asset("app.css", contentType: "text/css; charset=utf-8")
    /// Autosave and a live completeness panel for the editor.
    static let javascript = Asset("app.js", contentType: "text/javascript; charset=utf-8")
    /// Signing in the browser. The key is made by WebCrypto as non-extractable and kept in
    /// IndexedDB: no script, ours included, can read the private key out; it can only ask the
    /// browser to sign with it. The bytes signed come from the page (the server), which is the
    /// trust this path places in the server: see the README.
    static let signoffScript = Asset("signoff.js", contentType: "text/javascript; charset=utf-8")

    /// HPKE (RFC 9180) from WebCrypto primitives, and the sealing and opening of secrets that
    /// uses it: only on the pages that seal or open (`WebPages.secretScripts`). The encryption key
    /// is kept like the signing key: non-extractable, in IndexedDB.
    static let hpkeScript = Asset("hpke.js", contentType: "text/javascript; charset=utf-8")
    static let secretsScript = Asset("secrets.js", contentType: "text/javascript; charset=utf-8")
    static let threadScript = Asset("thread.js", contentType: "text/javascript; charset=utf-8")
    /// The attachments uploader: sends the chosen file as the raw body, with progress.
    static let attachScript = Asset("attach.js", contentType: "text/javascript; charset=utf-8")

    /// Live sections (an import's progress): fetched again from their page until they finish.
    static let refreshScript = Asset("refresh.js", contentType: "text/javascript; charset=utf-8")

    static let all = [css, javascript, signoffScript, hpkeScript, secretsScript, threadScript, attachScript, refreshScript]
}
