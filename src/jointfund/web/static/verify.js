// Verify an inclusion proof in the browser: SHA-256 leaf hash, RFC 6962/9162 audit path to the
// signed root, and the partner's Ed25519 signature with a trusted key (WebCrypto). Trusted keys are the
// ones this page publishes, or only the PARTNER=KEY_ID the reader types (obtained out of band). The
// signer shown is the partner the trusted key belongs to, never the bundle's own "partner" field.
"use strict";
(function () {
  var tool = document.getElementById("verify-tool");
  if (!tool) { return; }
  var trusted = JSON.parse(tool.dataset.trusted);
  var out = document.getElementById("verify-result");
  var text = document.getElementById("bundle-text");
  var enc = new TextEncoder();

  function nodeHash(left, right) { return jf.sha256(jf.concat(Uint8Array.of(1), left, right)); }

  // RFC 9162 2.1.3.2, with arithmetic instead of bit operators so sizes past 2^31 stay exact.
  async function rootFromPath(leaf, index, size, path) {
    if (index >= size) { return null; }
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < path.length; i++) {
      if (sn === 0) { return null; }
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(path[i], r);
        if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
      } else {
        r = await nodeHash(r, path[i]);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  function checkpointMessage(cp) {
    return enc.encode("jointfund checkpoint v1\n" + cp.fund_id + "\n" + cp.tree_size + "\n" + cp.root + "\n" + cp.signed_at + "\n");
  }

  // The reader's own PARTNER=KEY_ID list, when given, replaces the page's keys (the page comes from the server).
  function trustedKeys() {
    var typed = (document.getElementById("trusted-keys") || { value: "" }).value.split(/[\s,]+/).filter(Boolean);
    if (!typed.length) { return trusted.keys; }
    return typed.map(function (t) {
      var at = t.lastIndexOf("=");
      var kid = t.slice(at + 1).toLowerCase(), partner = at > 0 ? t.slice(0, at) : null;
      var published = trusted.keys.find(function (k) { return k.key_id === kid; });
      return { key_id: kid, partner: partner, public_key_pem: published ? published.public_key_pem : null };
    });
  }

  // Key id: the first 16 hex digits of SHA-256 over the raw 32 bytes (the end of an Ed25519 SPKI).
  async function keyIdOf(pem) {
    var der = jf.pemBody(pem, "PUBLIC KEY");
    return jf.hex(await jf.sha256(der.slice(der.length - 32))).slice(0, 16);
  }

  async function check(bundle) {
    var reasons = [];
    var cp = bundle.checkpoint || {};
    if (bundle.type !== "inclusion") { reasons.push("not an inclusion proof bundle"); }
    if (bundle.fund_id !== trusted.fund_id || cp.fund_id !== trusted.fund_id) { reasons.push("the proof is of another fund"); }
    var enclosed = await keyIdOf(cp.public_key_pem || "");
    if (enclosed !== cp.key_id) {
      reasons.push("key_id " + cp.key_id + " is not the hash of the enclosed public key (that is " + enclosed + ")");
    }
    var key = trustedKeys().find(function (k) { return k.key_id === enclosed; });
    if (!key) { reasons.push("the checkpoint is signed by key " + enclosed + ", which is not a key you trust"); }
    if (key && key.partner && key.partner !== cp.partner) {
      reasons.push("the bundle names " + cp.partner + " as signer, but key " + enclosed + " is " + key.partner + "'s");
    }
    var record = jf.fromBase64(bundle.record_base64 || "");
    if (bundle.record !== undefined && bundle.record !== new TextDecoder().decode(record)) {
      reasons.push("the readable record differs from record_base64, the bytes the proof is about");
    }
    var leaf = await jf.sha256(jf.concat(Uint8Array.of(0), record));
    var path = (bundle.path || []).map(jf.unhex);
    var root = await rootFromPath(leaf, Number(bundle.leaf_index), Number(cp.tree_size), path);
    if (root === null || !jf.sameBytes(root, jf.unhex(cp.root))) {
      reasons.push("the audit path does not lead from this record to the signed root");
    }
    if (key) {
      if (!(window.crypto && crypto.subtle)) { throw new Error(tool.dataset.unsupported); }
      // The trusted key when the page publishes it; else the enclosed one, whose hash is the trusted key id.
      var publicKey = await crypto.subtle.importKey("spki", jf.pemBody(key.public_key_pem || cp.public_key_pem, "PUBLIC KEY"),
                                                    { name: "Ed25519" }, false, ["verify"]);
      var good = await crypto.subtle.verify({ name: "Ed25519" }, publicKey, jf.unhex(cp.signature), checkpointMessage(cp));
      if (!good) { reasons.push("the partner's signature over the checkpoint does not verify"); }
    }
    return { ok: reasons.length === 0, reasons: reasons, record: new TextDecoder().decode(record), cp: cp,
             signer: key ? (key.partner || "key " + key.key_id) : null };
  }

  function show(ok, lines) {
    out.textContent = "";
    out.className = ok ? "ok" : "error";
    out.dataset.verdict = ok ? "ok" : "rejected";
    lines.forEach(function (line) { var p = document.createElement("p"); p.textContent = line; out.appendChild(p); });
  }

  document.getElementById("bundle-file").addEventListener("change", async function (ev) {
    var f = ev.target.files[0];
    if (f) { text.value = await f.text(); }
  });
  document.getElementById("verify-button").addEventListener("click", async function () {
    try {
      var v = await check(JSON.parse(text.value));
      if (v.ok) {
        show(true, [tool.dataset.ok + " " + v.signer + " (" + v.cp.tree_size + ", " + v.cp.root.slice(0, 16) + "…)", v.record]);
      } else {
        show(false, [tool.dataset.bad].concat(v.reasons));
      }
    } catch (e) {
      show(false, [tool.dataset.bad, e.message || String(e)]);
    }
  });
})();
