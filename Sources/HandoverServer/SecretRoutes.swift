import Foundation
import HandoverCore
import HandoverServices
import HandoverTrust
import HandoverWire
import Hummingbird

/// Encryption keys, the recovery key and sealed secrets under /api/v1. Bodies carry ciphertext
/// and wraps only; every rule is in `SecretService`.
struct SecretRoutes: Sendable {
    let secrets: SecretService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.get("encryption-keys") { request, context in
            let actor = try context.requireMember()
            let member = request.uri.queryParameters["member"].map(String.init)
            return try JSONIO.response(ListResponse(items: try await secrets.encryptionKeys(memberID: member, by: actor).map(Self.response)))
        }
        api.get("encryption-keys/possession-key") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(PublicKeyBody(publicKey: try secrets.possessionKey(by: actor).base64EncodedString()))
        }
        api.post("encryption-keys") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(EnrolEncryptionKeyRequest.self, from: request, context: context)
            let key = try await secrets.enrolEncryptionKey(
                payload: try Self.bytes(body.payload, "payload"), proof: try Self.bytes(body.proof, "proof"), origin: body.origin, by: actor)
            return try JSONIO.response(Self.response(key), status: .created)
        }
        api.get("recovery-key") { _, context in
            let actor = try context.requireMember()
            let key = try await secrets.recoveryKey(by: actor)
            return try JSONIO.response(RecoveryKeyResponse(key, fingerprint: Self.fingerprint(key.publicKey)))
        }
        api.post("recovery-key") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(PublicKeyBody.self, from: request, context: context)
            let key = try await secrets.registerRecoveryKey(publicKey: try Self.bytes(body.publicKey, "publicKey"), by: actor)
            return try JSONIO.response(RecoveryKeyResponse(key, fingerprint: Self.fingerprint(key.publicKey)), status: .created)
        }
        api.get("accounts/:id/secrets") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await secrets.secrets(accountID: try context.parameters.require("id"), by: actor)))
        }
        api.post("accounts/:id/secrets") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(CreateSecretRequest.self, from: request, context: context)
            let secret = try await secrets.add(
                id: body.id, accountID: try context.parameters.require("id"), name: body.name, system: body.system, kind: body.kind,
                ciphertext: body.ciphertext, wraps: body.wraps.map { $0.wrap(secretID: body.id) }, by: actor)
            return try JSONIO.response(secret, status: .created)
        }
        api.get("secrets/:id") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(try await secrets.secret(id: try context.parameters.require("id"), by: actor))
        }
        api.post("secrets/:id/open") { _, context in
            let actor = try context.requireMember()
            let opened = try await secrets.open(id: try context.parameters.require("id"), by: actor)
            return try JSONIO.response(OpenedSecret(secret: opened.secret, ciphertext: opened.ciphertext, wrap: opened.wrap))
        }
        api.post("secrets/:id/recover") { _, context in
            let actor = try context.requireMember()
            let opened = try await secrets.recover(id: try context.parameters.require("id"), by: actor)
            return try JSONIO.response(OpenedSecret(secret: opened.secret, ciphertext: opened.ciphertext, wrap: opened.wrap))
        }
        api.post("secrets/:id/wraps") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            let body = try await JSONIO.decode(ShareSecretRequest.self, from: request, context: context)
            return try JSONIO.response(try await secrets.share(id: id, wraps: body.wraps.map { $0.wrap(secretID: id) }, by: actor))
        }
        api.get("secret-exposures") { request, context in
            let actor = try context.requireMember()
            let query = request.uri.queryParameters
            var state: ExposureState?
            if let text = query["state"].map(String.init) {
                guard let value = ExposureState(rawValue: text) else {
                    let allowed = ExposureState.allCases.map(\.rawValue).joined(separator: ", ")
                    throw APIError.badRequest("state must be one of \(allowed).", errors: [Problem(path: "state", message: "must be one of \(allowed)")])
                }
                state = value
            }
            let report = try await secrets.exposures(
                accountID: query["account"].map(String.init), memberID: query["member"].map(String.init), state: state, by: actor)
            return try JSONIO.response(ListResponse(items: report.items.map { SecretExposureResponse($0, asOf: report.asOf) }))
        }
        api.post("secrets/:id/rotate") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            let body = try await JSONIO.decode(RotateSecretRequest.self, from: request, context: context)
            return try JSONIO.response(
                try await secrets.rotate(id: id, expectedVersion: body.version, ciphertext: body.ciphertext, wraps: body.wraps.map { $0.wrap(secretID: id) }, by: actor))
        }
    }

    static func response(_ key: EncryptionKey) -> EncryptionKeyResponse {
        EncryptionKeyResponse(key, fingerprint: fingerprint(key.publicKey))
    }

    static func fingerprint(_ publicKey: String) -> String {
        SecretSeal.fingerprint(Data(base64Encoded: publicKey) ?? Data())
    }

    static func bytes(_ base64: String, _ path: String) throws -> Data {
        guard let data = Data(base64Encoded: base64) else {
            throw APIError.badRequest("\(path): must be base64.", errors: [Problem(path: path, message: "must be base64")])
        }
        return data
    }
}
