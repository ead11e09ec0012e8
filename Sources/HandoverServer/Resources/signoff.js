"use strict";
(function () {
  const form = document.getElementById("signoff");
  if (!form) return;
  const status = document.getElementById("signoff-status");
  const utf8 = (text) => new TextEncoder().encode(text);
  const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
  const fromB64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
  // DSSE pre-authentication encoding: the type is signed along with the payload.
  function pae(type, body) {
    const head = utf8("DSSEv1 " + utf8(type).length + " " + type + " " + body.length + " ");
    const out = new Uint8Array(head.length + body.length);
    out.set(head);
    out.set(body, head.length);
    return out;
  }
  function request(r) { return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); }); }
  async function store(mode) {
    const open = indexedDB.open("handover-keys", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("keys");
    return (await request(open)).transaction("keys", mode).objectStore("keys");
  }
  // This member's key, made and enrolled here if the server does not list one as theirs.
  async function key(member, organization, enrolled) {
    const stored = await request((await store("readonly")).get(member));
    if (stored && enrolled.includes(stored.id)) return { stored, enrolment: "" };
    const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    const id = hex(await crypto.subtle.digest("SHA-256", raw)).slice(0, 32);
    // RFC 8785 for an object of strings: keys in sorted order, JSON.stringify's escaping.
    const payload = utf8(JSON.stringify({ member, organization, publicKey: b64(raw), time: new Date().toISOString() }));
    const type = "application/vnd.handover.key-enrolment+json";
    const sig = await crypto.subtle.sign({ name: "Ed25519" }, pair.privateKey, pae(type, payload));
    const fresh = { id, privateKey: pair.privateKey };
    await request((await store("readwrite")).put(fresh, member));
    return { stored: fresh, enrolment: JSON.stringify({ payloadType: type, payload: b64(payload), signatures: [{ keyid: id, sig: b64(sig) }] }) };
  }
  form.addEventListener("submit", async (event) => {
    if (form.dataset.ready === "yes") return;
    event.preventDefault();
    status.textContent = "Signing…";
    try {
      if (!window.isSecureContext || !crypto.subtle) throw new Error("this page is not in a secure context (use HTTPS, or localhost)");
      const { stored, enrolment } = await key(form.dataset.member, form.dataset.organization, (form.dataset.keys || "").split(" "));
      // The same script signs custody records: the form names its payload type and CLI command.
      const type = form.dataset.payloadType || "application/vnd.handover.signoff+json";
      const payload = form.elements.payload.value;
      const sig = await crypto.subtle.sign({ name: "Ed25519" }, stored.privateKey, pae(type, fromB64(payload)));
      form.elements.envelope.value = JSON.stringify({ payloadType: type, payload, signatures: [{ keyid: stored.id, sig: b64(sig) }] });
      form.elements.enrolment.value = enrolment;
      form.dataset.ready = "yes";
      form.submit();
    } catch (error) {
      status.textContent = "This browser could not sign (" + error.message + "). Sign with the CLI instead: " + (form.dataset.cli || "handover sign " + form.dataset.handover);
    }
  });
})();
