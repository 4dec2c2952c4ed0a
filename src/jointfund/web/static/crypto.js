// Small helpers shared by the verify tool and in-browser signing (votes, proposals): bytes, hex, base64, PEM,
// SHA-256, signing keys and API answers.
"use strict";
window.jf = (function () {
  function hex(bytes) {
    return Array.from(new Uint8Array(bytes), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }
  function unhex(text) {
    if (typeof text !== "string" || !/^([0-9a-f]{2})*$/.test(text)) { throw new Error("not lowercase hex: " + String(text).slice(0, 24)); }
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(text.substr(i * 2, 2), 16); }
    return out;
  }
  function fromBase64(text) {
    var raw = atob(text);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  function concat() {
    var parts = Array.prototype.slice.call(arguments), n = 0, at = 0;
    parts.forEach(function (p) { n += p.length; });
    var out = new Uint8Array(n);
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  // The DER inside a PEM block with the given label ("PUBLIC KEY", "PRIVATE KEY").
  function pemBody(pem, label) {
    var begin = "-----BEGIN " + label + "-----", end = "-----END " + label + "-----";
    var a = pem.indexOf(begin), b = pem.indexOf(end);
    if (a < 0 || b < a) { throw new Error("not a PEM " + label.toLowerCase() + " file"); }
    return fromBase64(pem.slice(a + begin.length, b).replace(/\s+/g, ""));
  }
  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }
  function sameBytes(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }
  // The JSON of an API answer, or an Error carrying the API's refusal in the page's language (its `said`,
  // made by the server from the one English text; `message` is the programs' English).
  async function answer(response) {
    var body = await response.json();
    if (!response.ok) { throw new Error(body.error ? (body.error.said || body.error.message) : response.statusText); }
    return body;
  }
  // A member's PKCS#8 PEM key file as a WebCrypto signing key: it is read here and never leaves the browser.
  async function signingKey(file) {
    return crypto.subtle.importKey("pkcs8", pemBody(await file.text(), "PRIVATE KEY"), { name: "Ed25519" }, false, ["sign"]);
  }
  return { answer: answer, signingKey: signingKey, hex: hex, unhex: unhex, fromBase64: fromBase64, concat: concat, pemBody: pemBody, sha256: sha256, sameBytes: sameBytes };
})();
