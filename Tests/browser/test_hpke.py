"""The browser's HPKE (Sources/HandoverServer/Resources/hpke.js) in real headless Chromium.

Checks the RFC 9180 test vector for DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM, base
mode (Tests/data/hpke-rfc9180-a11.json, which the Swift side opens too), field by field: the derived key pairs, the KEM and key schedule values,
every encryption and decryption in the vector, and every exported secret; then a round trip with a
fresh non-extractable key pair, and the inputs that must not open.

The script is injected into a page of the running server (a secure context on 127.0.0.1, so
WebCrypto is there); WebDriver-injected script is not subject to the page's CSP.
"""
import json
from pathlib import Path

import pytest

import handover_browser as hb

HERE = Path(__file__).resolve().parent
HPKE_JS = HERE.parents[1] / "Sources" / "HandoverServer" / "Resources" / "hpke.js"
VECTOR = json.loads((HERE.parent / "data" / "hpke-rfc9180-a11.json").read_text())  # shared with SecretSealTests

# Injected with hpke.js: hex helpers and the vector's key pairs, shared by the scripts below.
HELPERS = """
window.T = {
  hex: (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(""),
  unhex: (h) => new Uint8Array((h.match(/../g) || []).map((x) => parseInt(x, 16))),
  utf8: (s) => new TextEncoder().encode(s),
  async pairs(v) {
    return { E: await HandoverHPKE.deriveKeyPair(T.unhex(v.ikmE)), R: await HandoverHPKE.deriveKeyPair(T.unhex(v.ikmR)) };
  },
  // The message of a rejection, or null when the promise resolved.
  async rejection(promise) {
    try { await promise; return null; } catch (error) { return String(error && error.message || error); }
  },
};
"""


@pytest.fixture(scope="module")
def page():
    driver = hb.new_driver()
    try:
        hb.go(driver, "/login")
        assert driver.execute_script("return window.isSecureContext"), "the page is not a secure context: no WebCrypto"
        driver.execute_script(HPKE_JS.read_text())
        driver.execute_script(HELPERS)
        assert driver.execute_script("return typeof window.HandoverHPKE"), "hpke.js did not define window.HandoverHPKE"
        yield driver
    finally:
        driver.quit()


def run(driver, body, *args):
    """Runs body as an async function of (v, ...args) in the page, v being the vector; returns its
    result, or fails the test with the error the page threw."""
    script = ("const done = arguments[arguments.length - 1];"
              f"(async (v, ...args) => {{ {body} }})(...Array.from(arguments).slice(0, -1))"
              ".then((value) => done({value}), (e) => done({error: String(e && e.stack || e)}));")
    result = driver.execute_async_script(script, VECTOR, *args)
    assert "error" not in result, f"the page threw: {result['error']}"
    return result["value"]


def mismatches(actual, expected):
    """'field: got …, want …' for every field whose value differs (hex strings compared as text)."""
    return [f"{name}: got {actual.get(name)!r}, want {value!r}"
            for name, value in expected.items() if actual.get(name) != value]


def assert_same(actual, expected, what):
    wrong = mismatches(actual, expected)
    assert not wrong, f"{what}: {len(wrong)} of {len(expected)} fields differ:\n  " + "\n  ".join(wrong)


def test_the_vector_is_the_one_suite_and_mode():
    assert (VECTOR["mode"], VECTOR["kem_id"], VECTOR["kdf_id"], VECTOR["aead_id"]) == (0, 32, 1, 1)
    # The encryptions are consecutive from 0, so sealing them in order reproduces their nonces.
    base = int(VECTOR["base_nonce"], 16)
    for seq, encryption in enumerate(VECTOR["encryptions"]):
        assert encryption["nonce"] == f"{base ^ seq:024x}", f"encryption {seq} is not at sequence number {seq}"


def test_suite_ids(page):
    assert run(page, "return HandoverHPKE.suite;") == {"kemId": 0x20, "kdfId": 1, "aeadId": 1}


def test_derive_key_pair_gives_the_vectors_keys(page):
    got = run(page, """
        const { E, R } = await T.pairs(v);
        return { skEm: T.hex(E.privateKeyRaw), pkEm: T.hex(E.publicKeyRaw), skRm: T.hex(R.privateKeyRaw),
                 pkRm: T.hex(R.publicKeyRaw), extractable: E.privateKey.extractable || R.privateKey.extractable };
    """)
    assert_same(got, {name: VECTOR[name] for name in ("skEm", "pkEm", "skRm", "pkRm")}, "DeriveKeyPair(ikmE), DeriveKeyPair(ikmR)")
    assert got["extractable"] is False, "a derived private key is extractable"


def test_kem_and_key_schedule_give_the_vectors_values(page):
    got = run(page, """
        const { E, R } = await T.pairs(v);
        const sender = await HandoverHPKE.testing.encap(R.publicKeyRaw, E);
        const recipientSecret = await HandoverHPKE.testing.decap(sender.enc, R);
        const s = await HandoverHPKE.testing.keySchedule(sender.sharedSecret, T.unhex(v.info));
        return { enc: T.hex(sender.enc), shared_secret: T.hex(sender.sharedSecret),
                 recipient_shared_secret: T.hex(recipientSecret),
                 key_schedule_context: T.hex(s.keyScheduleContext), secret: T.hex(s.secret), key: T.hex(s.key),
                 base_nonce: T.hex(s.baseNonce), exporter_secret: T.hex(s.exporterSecret) };
    """)
    expected = {name: VECTOR[name] for name in ("enc", "shared_secret", "key_schedule_context", "secret", "key",
                                                "base_nonce", "exporter_secret")}
    expected["recipient_shared_secret"] = VECTOR["shared_secret"]
    assert_same(got, expected, "Encap/Decap and KeySchedule")


def test_every_encryption_in_the_vector_seals_and_opens(page):
    got = run(page, """
        const { E, R } = await T.pairs(v);
        const info = T.unhex(v.info);
        const { enc, context: sender } = await HandoverHPKE.setupBaseS(R.publicKeyRaw, info, E);
        const recipient = await HandoverHPKE.setupBaseR(enc, R, info);
        const sealed = [], opened = [];
        for (const e of v.encryptions) sealed.push(T.hex(await sender.seal(T.unhex(e.aad), T.unhex(e.pt))));
        for (const e of v.encryptions) {
          opened.push(await recipient.open(T.unhex(e.aad), T.unhex(e.ct)).then(T.hex, (error) => `(threw: ${error.message})`));
        }
        return { enc: T.hex(enc), sealed, opened, senderSeq: sender.sequenceNumber, recipientSeq: recipient.sequenceNumber };
    """)
    count = len(VECTOR["encryptions"])
    assert got["enc"] == VECTOR["enc"], f"enc: got {got['enc']}, want {VECTOR['enc']}"
    wrong = []
    for seq, encryption in enumerate(VECTOR["encryptions"]):
        if got["sealed"][seq] != encryption["ct"]:
            wrong.append(f"seal at sequence number {seq}: ct {got['sealed'][seq]}, want {encryption['ct']}")
        if got["opened"][seq] != encryption["pt"]:
            wrong.append(f"open at sequence number {seq}: pt {got['opened'][seq]}, want {encryption['pt']}")
    assert not wrong, f"{len(wrong)} of {2 * count} operations differ:\n  " + "\n  ".join(wrong[:20])
    assert (got["senderSeq"], got["recipientSeq"]) == (count, count), "the sequence numbers did not advance once per message"


def test_every_export_in_the_vector(page):
    got = run(page, """
        const { E, R } = await T.pairs(v);
        const info = T.unhex(v.info);
        const { enc, context: sender } = await HandoverHPKE.setupBaseS(R.publicKeyRaw, info, E);
        const recipient = await HandoverHPKE.setupBaseR(enc, R, info);
        const out = [];
        for (const e of v.exports) {
          out.push([T.hex(await sender.export(T.unhex(e.exporter_context), e.L)),
                    T.hex(await recipient.export(T.unhex(e.exporter_context), e.L))]);
        }
        return out;
    """)
    wrong = []
    for (sender, recipient), export in zip(got, VECTOR["exports"]):
        for role, value in (("sender", sender), ("recipient", recipient)):
            if value != export["exported_value"]:
                wrong.append(f"{role} export(context {export['exporter_context']!r}, L {export['L']}): "
                             f"got {value}, want {export['exported_value']}")
    assert len(got) == len(VECTOR["exports"]) == 3
    assert not wrong, "\n  ".join(["exports differ:"] + wrong)


def test_concurrent_seals_take_consecutive_sequence_numbers(page):
    got = run(page, """
        const { E, R } = await T.pairs(v);
        const { context } = await HandoverHPKE.setupBaseS(R.publicKeyRaw, T.unhex(v.info), E);
        const cts = await Promise.all(v.encryptions.slice(0, 3).map((e) => context.seal(T.unhex(e.aad), T.unhex(e.pt))));
        return cts.map(T.hex);
    """)
    assert got == [e["ct"] for e in VECTOR["encryptions"][:3]], "seals started together did not get sequence numbers 0, 1, 2"


def test_open_out_of_order_fails_and_keeps_the_sequence_number(page):
    got = run(page, """
        const { E, R } = await T.pairs(v);
        const recipient = await HandoverHPKE.setupBaseR(T.unhex(v.enc), R, T.unhex(v.info));
        const [first, second] = v.encryptions;
        const skipped = await T.rejection(recipient.open(T.unhex(second.aad), T.unhex(second.ct)));
        const seqAfterFailure = recipient.sequenceNumber;
        const pt = await recipient.open(T.unhex(first.aad), T.unhex(first.ct)).then(T.hex, (error) => `(threw: ${error.message})`);
        return { skipped, seqAfterFailure, pt, seq: recipient.sequenceNumber };
    """)
    assert got["skipped"] and "open failed" in got["skipped"], f"message 1 opened at sequence number 0: {got['skipped']!r}"
    assert got["seqAfterFailure"] == 0, "a failed open advanced the sequence number"
    assert (got["pt"], got["seq"]) == (VECTOR["encryptions"][0]["pt"], 1)


def test_round_trip_with_a_fresh_non_extractable_key_pair(page):
    got = run(page, """
        const pair = await HandoverHPKE.generateKeyPair();
        const info = T.utf8("handover secret s-1 v1"), aad = T.utf8("s-1:1");
        const pt = T.utf8("content key: 16 bytes of AES please");
        const a = await HandoverHPKE.seal(pair.publicKeyRaw, info, aad, pt);
        const b = await HandoverHPKE.seal(pair.publicKeyRaw, info, aad, pt);
        const opened = await HandoverHPKE.open(pair, a.enc, info, aad, a.ciphertext);
        return { extractable: pair.privateKey.extractable, usages: pair.privateKey.usages,
                 publicKeyLength: pair.publicKeyRaw.length, encLength: a.enc.length,
                 ctLength: a.ciphertext.length, ptLength: pt.length, opened: T.hex(opened), pt: T.hex(pt),
                 freshEphemeral: T.hex(a.enc) !== T.hex(b.enc) && T.hex(a.ciphertext) !== T.hex(b.ciphertext) };
    """)
    assert got["extractable"] is False and got["usages"] == ["deriveBits"], f"private key: {got}"
    assert (got["publicKeyLength"], got["encLength"]) == (32, 32)
    assert got["ctLength"] == got["ptLength"] + 16, "the ciphertext is not plaintext + 16-byte tag"
    assert got["opened"] == got["pt"], f"round trip: opened {got['opened']}, sealed {got['pt']}"
    assert got["freshEphemeral"], "two seals to the same key reused the ephemeral key"


def test_wrong_inputs_do_not_open(page):
    got = run(page, """
        const pair = await HandoverHPKE.generateKeyPair(), other = await HandoverHPKE.generateKeyPair();
        const info = T.utf8("info"), aad = T.utf8("aad"), pt = T.utf8("the value");
        const { enc, ciphertext } = await HandoverHPKE.seal(pair.publicKeyRaw, info, aad, pt);
        const flipped = (bytes, at) => { const copy = bytes.slice(); copy[at] ^= 0x01; return copy; };
        const attempt = (recipient, e, i, a, c) => T.rejection(HandoverHPKE.open(recipient, e, i, a, c));
        return {
          "tampered ciphertext": await attempt(pair, enc, info, aad, flipped(ciphertext, 0)),
          "tampered tag": await attempt(pair, enc, info, aad, flipped(ciphertext, ciphertext.length - 1)),
          "wrong aad": await attempt(pair, enc, info, T.utf8("aae"), ciphertext),
          "empty aad": await attempt(pair, enc, info, new Uint8Array(0), ciphertext),
          "wrong info": await attempt(pair, enc, T.utf8("infp"), aad, ciphertext),
          "wrong key": await attempt(other, enc, info, aad, ciphertext),
          "wrong public key beside the right private key": await attempt({ privateKey: pair.privateKey, publicKeyRaw: other.publicKeyRaw }, enc, info, aad, ciphertext),
          "tampered enc": await attempt(pair, flipped(enc, 5), info, aad, ciphertext),
          "truncated ciphertext": await attempt(pair, enc, info, aad, ciphertext.slice(0, ciphertext.length - 1)),
          "right inputs": await attempt(pair, enc, info, aad, ciphertext),
        };
    """)
    assert got.pop("right inputs") is None, "the untouched ciphertext did not open"
    opened = [case for case, error in got.items() if error is None]
    assert not opened, f"these opened but must not: {opened}"
    unclear = {case: error for case, error in got.items() if "HPKE: open failed" not in error}
    assert not unclear, f"failed without the open-failed message: {unclear}"


def test_wrong_lengths_and_types_are_refused_clearly(page):
    got = run(page, """
        const pair = await HandoverHPKE.generateKeyPair();
        const b = (n) => new Uint8Array(n), x = T.utf8("x");
        // A point of order 8 on Curve25519: X25519 with it gives all zeros whatever the scalar.
        const ORDER_8 = "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800";
        return {
          "public key of 31 bytes": await T.rejection(HandoverHPKE.seal(b(31), x, x, x)),
          "public key of 33 bytes": await T.rejection(HandoverHPKE.seal(b(33), x, x, x)),
          "enc of 31 bytes": await T.rejection(HandoverHPKE.open(pair, b(31), x, x, b(32))),
          "ciphertext shorter than the tag": await T.rejection(HandoverHPKE.open(pair, pair.publicKeyRaw, x, x, b(15))),
          "ikm of 16 bytes": await T.rejection(HandoverHPKE.deriveKeyPair(b(16))),
          "info as a string": await T.rejection(HandoverHPKE.seal(pair.publicKeyRaw, "info", x, x)),
          "plaintext as an array": await T.rejection(HandoverHPKE.seal(pair.publicKeyRaw, x, x, [1, 2])),
          "recipient as a bare CryptoKey": await T.rejection(HandoverHPKE.open(pair.privateKey, pair.publicKeyRaw, x, x, b(32))),
          "all-zero (low-order) public key": await T.rejection(HandoverHPKE.seal(b(32), x, x, x)),
          "public key of order 8": await T.rejection(HandoverHPKE.seal(T.unhex(ORDER_8), x, x, x)),
          "enc of order 8": await T.rejection(HandoverHPKE.open(pair, T.unhex(ORDER_8), x, x, b(32))),
          "export longer than 255 * 32": await T.rejection((async () => {
            const { context } = await HandoverHPKE.setupBaseS(pair.publicKeyRaw, x);
            return context.export(x, 255 * 32 + 1);
          })()),
        };
    """)
    expected = {
        "public key of 31 bytes": "must be 32 bytes, got 31",
        "public key of 33 bytes": "must be 32 bytes, got 33",
        "enc of 31 bytes": "enc must be 32 bytes, got 31",
        "ciphertext shorter than the tag": "at least 16 bytes",
        "ikm of 16 bytes": "ikm must be at least 32 bytes, got 16",
        "info as a string": "info must be a Uint8Array",
        "plaintext as an array": "plaintext must be a Uint8Array",
        "recipient as a bare CryptoKey": "the recipient must be {privateKey",
        "all-zero (low-order) public key": "X25519 with the recipient public key failed",
        "public key of order 8": "X25519 with the recipient public key failed",
        "enc of order 8": "X25519 with enc failed",
        "export longer than 255 * 32": "export length",
    }
    wrong = [f"{case}: got {got[case]!r}, want a message containing {part!r}"
             for case, part in expected.items() if not got[case] or part not in got[case]]
    assert not wrong, "\n  ".join(["unclear or missing errors:"] + wrong)
