"use strict";
// HPKE (RFC 9180), base mode only, for one suite:
//   DHKEM(X25519, HKDF-SHA256) 0x0020 / HKDF-SHA256 0x0001 / AES-128-GCM 0x0001.
// Built from WebCrypto alone (X25519, HMAC-SHA256, AES-GCM) so that no third-party script runs
// beside the member's keys. Section numbers below are RFC 9180's.
// Every byte string in and out is a Uint8Array. Defines one global: window.HandoverHPKE.
(function () {
  const subtle = crypto.subtle;
  const Nsecret = 32, Nsk = 32, Npk = 32, Nh = 32, Nk = 16, Nn = 12, Nt = 16;
  const utf8 = (text) => new TextEncoder().encode(text);
  const HPKE_V1 = utf8("HPKE-v1");
  // Section 4.1 (KEM) and 5.1 (everything else): the suite ids that every label is bound to.
  const KEM_SUITE = concat(utf8("KEM"), i2osp(0x0020, 2));
  const HPKE_SUITE = concat(utf8("HPKE"), i2osp(0x0020, 2), i2osp(0x0001, 2), i2osp(0x0001, 2));
  const MODE_BASE = 0x00;
  // WebCrypto imports a raw X25519 private key only as PKCS#8: this fixed DER header (a
  // PrivateKeyInfo with version 0, algorithm OID 1.3.101.110 and an OCTET STRING holding the
  // 32-byte OCTET STRING) followed by the 32 key bytes.
  const PKCS8_X25519_PREFIX = new Uint8Array([
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
  // u = 9, the X25519 base point: pk(sk) = X25519(sk, 9) (RFC 7748), done with deriveBits so the
  // private key can stay non-extractable.
  const BASE_POINT = new Uint8Array(32);
  BASE_POINT[0] = 9;

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }
  function i2osp(value, length) {
    const out = new Uint8Array(length);
    for (let i = length - 1; i >= 0 && value > 0; i--) { out[i] = value % 256; value = Math.floor(value / 256); }
    return out;
  }
  function bytes(value, name, length) {
    if (!(value instanceof Uint8Array)) throw new Error(`HPKE: ${name} must be a Uint8Array`);
    if (length !== undefined && value.length !== length) {
      throw new Error(`HPKE: ${name} must be ${length} bytes, got ${value.length}`);
    }
    return value;
  }
  // A key pair as generateKeyPair and deriveKeyPair return it. The public key travels with the
  // private one because the KEM binds both (kem_context = enc || pkR).
  function keyPair(pair, name) {
    if (!pair || !(pair.privateKey instanceof CryptoKey) || pair.privateKey.algorithm.name !== "X25519") {
      throw new Error(`HPKE: ${name} must be {privateKey: X25519 CryptoKey, publicKeyRaw: Uint8Array(32)}`);
    }
    bytes(pair.publicKeyRaw, `${name} publicKeyRaw`, Npk);
    return pair;
  }

  // HKDF (RFC 5869) over WebCrypto HMAC. HPKE needs Extract and Expand separately, which
  // WebCrypto's own HKDF does not offer.
  async function hmac(key, data) {
    const k = await subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return new Uint8Array(await subtle.sign("HMAC", k, data));
  }
  function extract(salt, ikm) {
    // An empty salt means Nh zero bytes (RFC 5869 2.2); WebCrypto refuses an empty HMAC key.
    return hmac(salt.length ? salt : new Uint8Array(Nh), ikm);
  }
  async function expand(prk, info, length) {
    if (length > 255 * Nh) throw new Error(`HPKE: cannot expand to ${length} bytes (at most ${255 * Nh})`);
    const out = new Uint8Array(length);
    let block = new Uint8Array(0);
    for (let i = 1, at = 0; at < length; i++) {
      block = await hmac(prk, concat(block, info, new Uint8Array([i])));
      out.set(block.subarray(0, length - at), at);
      at += block.length;
    }
    return out;
  }
  // Section 4: every derivation is bound to the version, the suite and a label.
  function labeledExtract(suite, salt, label, ikm) {
    return extract(salt, concat(HPKE_V1, suite, utf8(label), ikm));
  }
  function labeledExpand(suite, prk, label, info, length) {
    if (!Number.isInteger(length) || length < 0 || length > 0xffff) throw new Error(`HPKE: bad output length ${length}`);
    return expand(prk, concat(i2osp(length, 2), HPKE_V1, suite, utf8(label), info), length);
  }

  // DHKEM(X25519, HKDF-SHA256), section 4.1.
  function importPublicKey(raw, name) {
    return subtle.importKey("raw", bytes(raw, name, Npk), { name: "X25519" }, true, []);
  }
  async function dh(privateKey, publicKeyRaw, name) {
    const publicKey = await importPublicKey(publicKeyRaw, name);
    let shared;
    try {
      shared = new Uint8Array(await subtle.deriveBits({ name: "X25519", public: publicKey }, privateKey, 256));
    } catch (error) {
      // WebCrypto refuses a low-order point (all-zero result) with an OperationError.
      throw new Error(`HPKE: X25519 with ${name} failed, not a usable public key (${error.name})`);
    }
    // Section 7.1.4 requires this check; WebCrypto has made it already, but this file should
    // not rely on that.
    if (shared.every((b) => b === 0)) throw new Error(`HPKE: X25519 with ${name} gave the all-zero value`);
    return shared;
  }
  async function extractAndExpand(dhValue, kemContext) {
    const prk = await labeledExtract(KEM_SUITE, new Uint8Array(0), "eae_prk", dhValue);
    return labeledExpand(KEM_SUITE, prk, "shared_secret", kemContext, Nsecret);
  }
  async function encap(pkR, ephemeral) {
    const enc = ephemeral.publicKeyRaw;
    const dhValue = await dh(ephemeral.privateKey, pkR, "the recipient public key");
    return { sharedSecret: await extractAndExpand(dhValue, concat(enc, pkR)), enc };
  }
  async function decap(enc, recipient) {
    const dhValue = await dh(recipient.privateKey, enc, "enc");
    return extractAndExpand(dhValue, concat(enc, recipient.publicKeyRaw));
  }

  async function generateKeyPair() {
    // Non-extractable: the private key can only be used for deriveBits, never read out.
    const pair = await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
    return { privateKey: pair.privateKey, publicKeyRaw: new Uint8Array(await subtle.exportKey("raw", pair.publicKey)) };
  }
  // Section 7.1.3, deterministic key pairs: for the test vectors (and any caller that must
  // re-create a key from a seed). privateKeyRaw is sk as the RFC lists it (not clamped;
  // X25519 clamps it on every use).
  async function deriveKeyPair(ikm) {
    bytes(ikm, "ikm");
    if (ikm.length < Nsk) throw new Error(`HPKE: ikm must be at least ${Nsk} bytes, got ${ikm.length}`);
    const prk = await labeledExtract(KEM_SUITE, new Uint8Array(0), "dkp_prk", ikm);
    const sk = await labeledExpand(KEM_SUITE, prk, "sk", new Uint8Array(0), Nsk);
    const privateKey = await subtle.importKey("pkcs8", concat(PKCS8_X25519_PREFIX, sk), { name: "X25519" }, false, ["deriveBits"]);
    const publicKeyRaw = new Uint8Array(await subtle.deriveBits({ name: "X25519", public: await importPublicKey(BASE_POINT, "base point") }, privateKey, 256));
    return { privateKey, publicKeyRaw, privateKeyRaw: sk };
  }

  // Section 5.1, the key schedule for mode_base (psk and psk_id empty).
  async function keySchedule(sharedSecret, info) {
    const empty = new Uint8Array(0);
    const pskIdHash = await labeledExtract(HPKE_SUITE, empty, "psk_id_hash", empty);
    const infoHash = await labeledExtract(HPKE_SUITE, empty, "info_hash", info);
    const keyScheduleContext = concat(new Uint8Array([MODE_BASE]), pskIdHash, infoHash);
    const secret = await labeledExtract(HPKE_SUITE, sharedSecret, "secret", empty);
    return {
      keyScheduleContext, secret,
      key: await labeledExpand(HPKE_SUITE, secret, "key", keyScheduleContext, Nk),
      baseNonce: await labeledExpand(HPKE_SUITE, secret, "base_nonce", keyScheduleContext, Nn),
      exporterSecret: await labeledExpand(HPKE_SUITE, secret, "exp", keyScheduleContext, Nh),
    };
  }

  // Sections 5.2 and 5.3: a context seals (sender) or opens (recipient) a sequence of messages,
  // nonce = base_nonce XOR seq, and exports secrets.
  async function context(schedule, role) {
    const key = await subtle.importKey("raw", schedule.key, { name: "AES-GCM" }, false, [role === "S" ? "encrypt" : "decrypt"]);
    const baseNonce = schedule.baseNonce, exporterSecret = schedule.exporterSecret;
    let seq = 0;
    // One operation at a time, so two concurrent calls can never use the same sequence number.
    let queue = Promise.resolve();
    const inOrder = (step) => { const run = queue.then(step); queue = run.catch(() => {}); return run; };
    function nonce() {
      // seq is a JavaScript integer; the RFC allows a counter shorter than Nn as long as
      // overflow is an error.
      if (seq >= Number.MAX_SAFE_INTEGER) throw new Error("HPKE: message limit reached for this context");
      const n = i2osp(seq, Nn);
      for (let i = 0; i < Nn; i++) n[i] ^= baseNonce[i];
      return n;
    }
    const ctx = {
      get sequenceNumber() { return seq; },
      async export(exporterContext, length) {
        bytes(exporterContext, "exporter context");
        if (!Number.isInteger(length) || length < 0 || length > 255 * Nh) throw new Error(`HPKE: export length must be 0..${255 * Nh}`);
        return labeledExpand(HPKE_SUITE, exporterSecret, "sec", exporterContext, length);
      },
    };
    if (role === "S") {
      ctx.seal = (aad, plaintext) => inOrder(async () => {
        bytes(aad, "aad"); bytes(plaintext, "plaintext");
        const ct = await subtle.encrypt({ name: "AES-GCM", iv: nonce(), additionalData: aad, tagLength: 128 }, key, plaintext);
        seq += 1;
        return new Uint8Array(ct);
      });
    } else {
      ctx.open = (aad, ciphertext) => inOrder(async () => {
        bytes(aad, "aad"); bytes(ciphertext, "ciphertext");
        if (ciphertext.length < Nt) throw new Error(`HPKE: ciphertext must be at least ${Nt} bytes (the tag), got ${ciphertext.length}`);
        let pt;
        try {
          pt = await subtle.decrypt({ name: "AES-GCM", iv: nonce(), additionalData: aad, tagLength: 128 }, key, ciphertext);
        } catch (error) {
          // The sequence number stays put on failure (section 5.2).
          throw new Error("HPKE: open failed: the ciphertext, aad, info, enc or key is wrong (AES-GCM tag mismatch)");
        }
        seq += 1;
        return new Uint8Array(pt);
      });
    }
    return Object.freeze(ctx);
  }

  // Section 5.1.1. ephemeral is for the test vectors only; normally a fresh one is made.
  async function setupBaseS(recipientPublicKeyRaw, info, ephemeral) {
    bytes(recipientPublicKeyRaw, "recipient public key", Npk);
    bytes(info, "info");
    const eph = ephemeral ? keyPair(ephemeral, "the ephemeral key pair") : await generateKeyPair();
    const { sharedSecret, enc } = await encap(recipientPublicKeyRaw, eph);
    return { enc, context: await context(await keySchedule(sharedSecret, info), "S") };
  }
  async function setupBaseR(enc, recipient, info) {
    bytes(enc, "enc", Npk);
    keyPair(recipient, "the recipient");
    bytes(info, "info");
    return context(await keySchedule(await decap(enc, recipient), info), "R");
  }

  // Section 6.1, single-shot APIs.
  async function seal(recipientPublicKeyRaw, info, aad, plaintext) {
    const { enc, context: ctx } = await setupBaseS(recipientPublicKeyRaw, info);
    return { enc, ciphertext: await ctx.seal(aad, plaintext) };
  }
  async function open(recipient, enc, info, aad, ciphertext) {
    return (await setupBaseR(enc, recipient, info)).open(aad, ciphertext);
  }

  window.HandoverHPKE = Object.freeze({
    suite: Object.freeze({ kemId: 0x0020, kdfId: 0x0001, aeadId: 0x0001 }),
    generateKeyPair, deriveKeyPair, seal, open, setupBaseS, setupBaseR,
    // The intermediate values of sections 4.1 and 5.1, exposed so the tests can compare them
    // with the RFC's vectors field by field. Not for application code.
    testing: Object.freeze({
      encap: async (pkR, ephemeral) => encap(bytes(pkR, "recipient public key", Npk), keyPair(ephemeral, "the ephemeral key pair")),
      decap: async (enc, recipient) => decap(bytes(enc, "enc", Npk), keyPair(recipient, "the recipient")),
      keySchedule: async (sharedSecret, info) => keySchedule(bytes(sharedSecret, "shared secret", Nsecret), bytes(info, "info")),
    }),
  });
})();
