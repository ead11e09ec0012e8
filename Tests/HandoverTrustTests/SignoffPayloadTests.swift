import Crypto
import Foundation
import HandoverCore
import HandoverTrust
import Testing

@Suite struct SignoffPayloadTests {
    /// The example in the DSSE protocol document.
    @Test func paeMatchesTheDSSESpecification() {
        let bytes = DSSEEnvelope.pae(type: "http://example.com/HelloWorld", body: Array("hello world".utf8))
        #expect(String(decoding: bytes, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    }

    @Test func aSignatureCoversTheTypeAndThePayload() throws {
        let key = Curve25519.Signing.PrivateKey()
        let raw = key.publicKey.rawRepresentation
        let payload = SignoffPayload(
            handover: "h1", version: 3, contentDigest: String(repeating: "ab", count: 32), signer: "m1",
            role: .recipient, statement: SignoffRules.statement(for: .recipient), time: "2026-11-21T09:30:00.123Z")
        let envelope = try DSSEEnvelope.sign(payload: try payload.canonicalBytes(), type: SignoffPayload.type, key: key)
        #expect(try SignoffPayload.parse(try envelope.verifiedPayload(type: SignoffPayload.type, publicKey: raw)) == payload)
        // The same signature presented as another type, over another payload, or for another key fails.
        var retyped = envelope
        retyped.payloadType = EnrolmentPayload.type
        #expect(throws: TrustError.self) { try retyped.verifiedPayload(type: EnrolmentPayload.type, publicKey: raw) }
        var altered = envelope
        var changed = payload
        changed.version = 4
        altered.payload = Data(try changed.canonicalBytes()).base64EncodedString()
        #expect(throws: TrustError.self) { try altered.verifiedPayload(type: SignoffPayload.type, publicKey: raw) }
        #expect(throws: TrustError.self) {
            try envelope.verifiedPayload(type: SignoffPayload.type, publicKey: Curve25519.Signing.PrivateKey().publicKey.rawRepresentation)
        }
    }

    @Test func onlyTheCanonicalFormIsAccepted() throws {
        let payload = SignoffPayload(handover: "h1", version: 3, contentDigest: "00", signer: "m1", role: .transferor, statement: "s", time: "2026-11-21T09:30:00.000Z")
        let canonical = try payload.canonicalBytes()
        #expect(
            String(decoding: canonical, as: UTF8.self)
                == #"{"contentDigest":"00","handover":"h1","role":"transferor","signer":"m1","statement":"s","time":"2026-11-21T09:30:00.000Z","version":3}"#)
        let spaced = Array(
            #"{"handover":"h1","contentDigest":"00","role":"transferor","signer":"m1","statement":"s","time":"2026-11-21T09:30:00.000Z","version":3}"#.utf8)
        #expect(throws: TrustError.self) { try SignoffPayload.parse(spaced) }
    }

    @Test func timesHaveOneSpelling() throws {
        let date = Date(timeIntervalSince1970: 1_795_000_000.123)
        let text = RFC3339.format(date)
        #expect(text == "2026-11-18T11:06:40.123Z")
        #expect(RFC3339.parse(text).map(RFC3339.format) == text)
        for other in ["2026-11-18T11:06:40Z", "2026-11-18T11:06:40.123+00:00", "2026-11-18 08:26:40.123Z", "yesterday"] {
            #expect(RFC3339.parse(other) == nil, "\(other)")
        }
    }
}
