"use strict";
// Sealed secrets in the page (Docs/Secrets.md says the bytes; SecretSeal.swift is the other side).
// A value and its content key exist only here: the server receives ciphertext and wraps, and
// hands them back. The member's X25519 key is made by WebCrypto as non-extractable and kept in
// IndexedDB, like the signing key (signoff.js): no script can read it out, only use it.
// Needs hpke.js (window.HandoverHPKE), loaded before this file.
(function () {
  const section = document.getElementById("secrets") || document.getElementById("secrets-step") || document.getElementById("seal-instead");
  if (!section || !window.HandoverHPKE) return;
  const member = section.dataset.member, organization = section.dataset.organization;
  const subtle = crypto.subtle;
  const utf8 = (text) => new TextEncoder().encode(text);
  const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
  const fromB64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
  const concat = (a, b) => { const out = new Uint8Array(a.length + b.length); out.set(a); out.set(b, a.length); return out; };
  const INFO = utf8("handover secret content key v1");
  // Associated data, NUL-separated: a value cannot pass as another secret's or version's, nor a
  // wrap as another reader's.
  const valueAAD = (id, version) => utf8(`handover-secret\0${id}\0${version}`);
  const wrapAAD = (id, version, reader) => utf8(`handover-wrap\0${id}\0${version}\0${reader}`);
  const RECOVERY = "organization-recovery";

  // The progressive part: without this script the page says that sealing needs JavaScript.
  for (const el of section.querySelectorAll(".no-js")) el.hidden = true;
  for (const el of section.querySelectorAll(".needs-js")) el.hidden = false;

  // --- The API, with the session cookie. A JSON body is what lets a cookie-signed request change
  // anything (a cross-site page cannot send one without a preflight this server never grants).
  // Every POST is JSON, even one with nothing to say ({}).
  async function api(method, path, body) {
    const post = method !== "GET";
    const response = await fetch("/api/v1" + path, {
      method, credentials: "same-origin",
      headers: post ? { Accept: "application/json", "Content-Type": "application/json" } : { Accept: "application/json" },
      body: post ? JSON.stringify(body === undefined ? {} : body) : undefined,
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const reasons = (data && data.errors || []).map((e) => `${e.path}: ${e.message}`).join("; ");
      const error = new Error((data && (data.detail || data.title)) || `the server answered ${response.status}`);
      error.status = response.status;
      if (reasons && !error.message.includes(reasons)) error.message += ` (${reasons})`;
      throw error;
    }
    return data;
  }

  // --- This member's key in this browser: {id, privateKey, publicKeyRaw} under their member id.
  function request(r) { return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); }); }
  async function keyStore(mode) {
    const open = indexedDB.open("handover-encryption-keys", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("keys");
    return (await request(open)).transaction("keys", mode).objectStore("keys");
  }
  const storedKey = async () => request((await keyStore("readonly")).get(member));
  const keyID = async (raw) => hex(await subtle.digest("SHA-256", raw)).slice(0, 32);

  // Makes a key here and enrols it, proving possession as KeyPossession does: X25519 with the
  // server's possession key, HKDF-SHA256 (empty salt, the label as info), HMAC-SHA256 over the
  // enrolment payload. It replaces the member's previous key, wherever that was made.
  async function enrol() {
    const pair = await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
    const publicKeyRaw = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
    const server = fromB64((await api("GET", "/encryption-keys/possession-key")).publicKey);
    const serverKey = await subtle.importKey("raw", server, { name: "X25519" }, false, []);
    const shared = await subtle.deriveBits({ name: "X25519", public: serverKey }, pair.privateKey, 256);
    const hkdf = await subtle.importKey("raw", shared, "HKDF", false, ["deriveBits"]);
    const macBits = await subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8("handover encryption key possession v1") }, hkdf, 256);
    const mac = await subtle.importKey("raw", macBits, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    // RFC 8785 for an object of strings: keys in sorted order, JSON.stringify's escaping.
    const payload = utf8(JSON.stringify({ member, organization, publicKey: b64(publicKeyRaw), time: new Date().toISOString() }));
    const proof = await subtle.sign("HMAC", mac, payload);
    const fresh = { id: await keyID(publicKeyRaw), privateKey: pair.privateKey, publicKeyRaw };
    await request((await keyStore("readwrite")).put(fresh, member));
    const enrolled = await api("POST", "/encryption-keys", { payload: b64(payload), proof: b64(proof), origin: "browser" });
    section.dataset.key = enrolled.id;
    return fresh;
  }

  // The key that opens what is sealed to this member: this browser's, if it is their active one.
  // A member with no key at all gets one here (first use); one whose active key lives elsewhere
  // (the CLI, another browser) is told where, since a new key would not open what is sealed.
  async function openingKey() {
    const stored = await storedKey();
    if (stored && stored.id === section.dataset.key) return stored;
    if (!section.dataset.key) return enrol();
    throw new Error("your active encryption key is not in this browser (it was made with the CLI or in another browser): " +
      "use it there (the CLI: 'handover secret open ID', 'handover secret share --handover ID'), " +
      "or make a key in this browser and ask a reader to share the secrets with you again");
  }

  // A member's active key, to seal to: {id, publicKeyRaw}.
  async function activeKey(memberID) {
    const keys = (await api("GET", "/encryption-keys?member=" + encodeURIComponent(memberID))).items.filter((k) => !k.revokedAt);
    return keys.length ? { id: keys[0].id, publicKeyRaw: fromB64(keys[0].publicKey), fingerprint: keys[0].fingerprint } : null;
  }

  // --- Sealing and opening (SecretSeal's layouts: value = nonce 12 ‖ ciphertext ‖ tag 16; wrap =
  // enc 32 ‖ sealed content key 32).
  async function wrapTo(contentKey, readerID, key, secretID, version, handoverID) {
    const { enc, ciphertext } = await HandoverHPKE.seal(key.publicKeyRaw, INFO, wrapAAD(secretID, version, readerID), contentKey);
    const wrap = { readerID, keyID: key.id, wrappedKey: b64(concat(enc, ciphertext)), version };
    if (handoverID) wrap.handoverID = handoverID;
    return wrap;
  }

  // Fetches a secret's ciphertext and this member's wrap (the server audits it), and unseals it.
  // The associated data names the id asked for, never the one the server answered, so a server
  // cannot pass off one secret as another.
  async function open(secretID) {
    const key = await openingKey();
    const { secret, ciphertext, wrap } = await api("POST", `/secrets/${secretID}/open`);
    if (secret.id !== secretID) throw new Error("the server answered with another secret");
    const wrapped = fromB64(wrap.wrappedKey), box = fromB64(ciphertext);
    if (wrapped.length !== 64 || box.length < 28) throw new Error("the server sent a damaged secret");
    let contentKey, value;
    try {
      contentKey = await HandoverHPKE.open(key, wrapped.slice(0, 32), INFO, wrapAAD(secretID, wrap.version, member), wrapped.slice(32));
      const aes = await subtle.importKey("raw", contentKey, "AES-GCM", false, ["decrypt"]);
      value = await subtle.decrypt({ name: "AES-GCM", iv: box.slice(0, 12), additionalData: valueAAD(secretID, secret.version) }, aes, box.slice(12));
    } catch (error) {
      throw new Error("it does not open with this browser's key (not the key it was sealed to, or the data was altered)");
    }
    return { secret, contentKey, value: new TextDecoder().decode(value) };
  }

  async function add(form, account = section.dataset.account) {
    const recovery = await api("GET", "/recovery-key").catch((error) => {
      if (error.status === 404) throw new Error("no recovery key is registered, so nothing can be sealed yet: an admin must run 'handover admin recovery-key new' first");
      throw error;
    });
    // Sealing needs only public keys: the member's active one (made here on first use) and the recovery key.
    const mine = (await activeKey(member)) || (await enrol());
    const id = hex(crypto.getRandomValues(new Uint8Array(16)));
    const contentKey = crypto.getRandomValues(new Uint8Array(16));
    const aes = await subtle.importKey("raw", contentKey, "AES-GCM", false, ["encrypt"]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await subtle.encrypt({ name: "AES-GCM", iv, additionalData: valueAAD(id, 1) }, aes, utf8(form.elements.value.value));
    const wraps = [
      await wrapTo(contentKey, member, mine, id, 1),
      await wrapTo(contentKey, RECOVERY, { id: recovery.id, publicKeyRaw: fromB64(recovery.publicKey) }, id, 1),
    ];
    await api("POST", `/accounts/${account}/secrets`, {
      id, name: form.elements.name.value, system: form.elements.system.value, kind: form.elements.kind.value, ciphertext: b64(concat(iv, new Uint8Array(sealed))), wraps,
    });
  }

  // A new version for the same readers: only a reader rotates (the open proves the key works),
  // and each reader's wrap is to their active key now.
  async function rotate(secretID, value) {
    const { secret } = await open(secretID);
    const recovery = await api("GET", "/recovery-key");
    const next = secret.version + 1;
    const contentKey = crypto.getRandomValues(new Uint8Array(16));
    const aes = await subtle.importKey("raw", contentKey, "AES-GCM", false, ["encrypt"]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await subtle.encrypt({ name: "AES-GCM", iv, additionalData: valueAAD(secretID, next) }, aes, utf8(value));
    const wraps = [];
    for (const reader of secret.readers) {
      const key = await activeKey(reader);
      if (!key) throw new Error("one of its readers has no active encryption key, so a new version could not reach them");
      wraps.push(await wrapTo(contentKey, reader, key, secretID, next));
    }
    wraps.push(await wrapTo(contentKey, RECOVERY, { id: recovery.id, publicKeyRaw: fromB64(recovery.publicKey) }, secretID, next));
    await api("POST", `/secrets/${secretID}/rotate`, { version: secret.version, ciphertext: b64(concat(iv, new Uint8Array(sealed))), wraps });
  }

  // The current version's content key, sealed to one more member's active key.
  async function share(secretID, readerID) {
    const { secret, contentKey } = await open(secretID);
    const key = await activeKey(readerID);
    if (!key) throw new Error("they have no encryption key yet");
    await api("POST", `/secrets/${secretID}/wraps`, { wraps: [await wrapTo(contentKey, readerID, key, secretID, secret.version)] });
  }

  // Runs an action from a button or form, saying what went wrong in `status` (never the value).
  async function act(status, busy, action) {
    status.textContent = busy;
    try {
      if (!window.isSecureContext || !subtle) throw new Error("this page is not in a secure context (use HTTPS, or localhost)");
      await action();
    } catch (error) {
      status.textContent = "Could not do it: " + error.message.replace(/\.+$/, "") + ".";
    }
  }

  // --- The account page.
  const addForm = document.getElementById("add-secret");
  if (addForm) {
    addForm.addEventListener("submit", (event) => {
      event.preventDefault();  // the value never leaves as form data (method="dialog" already)
      act(document.getElementById("add-secret-status"), "Sealing…", async () => {
        await add(addForm);
        addForm.reset();
        location.reload();
      });
    });
  }

  for (const row of section.querySelectorAll("tr[data-secret]")) {
    const button = row.querySelector(".open-secret");
    if (!button) continue;
    const panel = row.querySelector(".secret-value"), field = row.querySelector("textarea.value");
    const masked = row.querySelector(".masked"), reveal = row.querySelector(".reveal"), status = row.querySelector(".secret-status");
    button.addEventListener("click", () => act(status, "Opening…", async () => {
      field.value = (await open(row.dataset.secret)).value;
      panel.hidden = false;
      button.hidden = true;
      status.textContent = "Opened in this page; hidden until you show it.";
      reveal.focus();
    }));
    reveal.addEventListener("click", () => {
      const show = field.hidden;
      field.hidden = !show;
      masked.hidden = show;
      reveal.textContent = show ? "Hide" : "Show";
      reveal.setAttribute("aria-pressed", String(show));
    });
    row.querySelector(".copy").addEventListener("click", () => act(status, "Copying…", async () => {
      await navigator.clipboard.writeText(field.value);
      status.textContent = "Copied.";
    }));
    const rotateForm = row.querySelector(".rotate-form"), shareForm = row.querySelector(".share-form");
    if (rotateForm) rotateForm.addEventListener("submit", (event) => {
      event.preventDefault();
      act(status, "Sealing the new version…", async () => {
        await rotate(row.dataset.secret, rotateForm.elements.value.value);
        rotateForm.reset();
        location.reload();
      });
    });
    if (shareForm) shareForm.addEventListener("submit", (event) => {
      event.preventDefault();
      act(status, "Sharing…", async () => {
        await share(row.dataset.secret, shareForm.elements.reader.value);
        location.reload();
      });
    });
  }

  // This browser's part of "Your encryption key": whether it holds the key, and a way to make one.
  const here = document.getElementById("my-key-here"), makeKey = document.getElementById("make-browser-key");
  if (here && makeKey) {
    storedKey().then((stored) => {
      const active = section.dataset.key;
      if (stored && stored.id === active) { here.textContent = "This browser holds it."; return; }
      if (active) here.textContent = "It is not in this browser: secrets sealed to you open where it is. A key made here replaces it, and its secrets must then be shared with you again.";
      makeKey.hidden = false;
    }).catch(() => {});
    makeKey.addEventListener("click", () => act(document.getElementById("secrets-status"), "Making a key…", async () => {
      await enrol();
      location.reload();
    }));
  }

  // --- The handover page: the transferor seals each secret they can open to the recipient.
  const seal = document.getElementById("seal-to-recipient");
  if (seal) {
    seal.addEventListener("click", () => {
      const status = document.getElementById("secrets-step-status");
      act(status, "Sealing…", async () => {
        const recipient = section.dataset.recipient, handover = section.dataset.handover;
        const key = await activeKey(recipient);
        if (!key) throw new Error(`${section.dataset.recipientName} has no encryption key yet`);
        const ids = seal.dataset.secrets.split(" ").filter(Boolean);
        for (const [index, id] of ids.entries()) {
          status.textContent = `Sealing ${index + 1} of ${ids.length}…`;
          const { secret, contentKey } = await open(id);
          await api("POST", `/secrets/${id}/wraps`, { wraps: [await wrapTo(contentKey, recipient, key, id, secret.version, handover)] });
        }
        location.reload();
      });
    });
  }

  // --- The editor: "Seal it instead" for a value a save refused (SealInstead.swift). Each offer
  // says where the value probably is in its field, as offsets; the value is read from the field
  // here, shown to be checked, sealed as a secret of the account, and replaced by a pointer.
  const sealDialog = document.getElementById("seal-instead");
  if (sealDialog) {
    const form = document.getElementById("seal-instead-form"), status = document.getElementById("seal-instead-status");
    for (const el of document.querySelectorAll(".seal-instead, .seal-advice")) el.hidden = false;
    let target = null;
    // Delegated: autosave answers bring their offers after this script ran (app.js shows them).
    document.addEventListener("click", (event) => {
      const button = event.target.closest && event.target.closest(".seal-instead");
      const field = button && document.getElementById(button.dataset.field);
      if (!field) return;
      const start = Number(button.dataset.start), end = Number(button.dataset.end);
      target = { button, field, start, end, suggested: field.value.slice(start, end) };
      form.reset();
      form.elements.value.value = target.suggested;
      form.elements.kind.value = button.dataset.kind;
      document.getElementById("seal-instead-field").textContent = button.dataset.label;
      status.textContent = "";
      sealDialog.showModal();
      form.elements.name.focus();
    });
    document.getElementById("seal-instead-cancel").addEventListener("click", () => sealDialog.close());
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(status, "Sealing…", async () => {
        const value = form.elements.value.value, name = form.elements.name.value;
        const { button, field, start, end, suggested } = target;
        const text = field.value;
        // Checked before sealing, so that a value that is not in the field is not sealed for nothing.
        const inPlace = value === suggested && text.slice(start, end) === suggested;
        if (!inPlace && !text.includes(value)) throw new Error("the value is not in the field as typed there: copy it from the field exactly");
        await add(form, sealDialog.dataset.account);
        const pointer = `(sealed as the secret “${name}”)`;
        field.value = inPlace ? text.slice(0, start) + pointer + text.slice(end) : text.replace(value, () => pointer);
        for (const offer of document.querySelectorAll(".seal-instead")) {
          if (offer.dataset.field === field.id) offer.replaceWith(`Sealed as “${name}”.`);
        }
        sealDialog.close();
        field.focus();
        // The editor's autosave saves the field as it is now (without JavaScript there is no dialog).
        field.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
  }
})();
