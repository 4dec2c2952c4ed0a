// Verify a record in the browser: SHA-256 leaf hash, RFC 6962/9162 audit path to the signed root, and the
// partners' Ed25519 signatures with trusted keys (WebCrypto). Three sources: a record number fetched from this
// server (/api/public/records/N: the proof against the head both partners signed), a record number read from a
// static tlog-tiles mirror (the page published next to it: checkpoint note, level-0 tiles, entry bundles), or
// a proof bundle file. Trusted keys are the ones this page publishes, or only the PARTNER=KEY_ID the reader types
// (obtained out of band). The signer shown is the partner the trusted key belongs to, never the bundle's own
// "partner" field. Every message comes from the page (its language); nothing raw reaches the reader.
"use strict";
(function () {
  var tool = document.getElementById("verify-tool");
  if (!tool) { return; }
  var trusted = JSON.parse(tool.dataset.trusted);
  var M = JSON.parse(tool.dataset.messages);
  var lang = document.documentElement.lang || "en";
  var out = document.getElementById("verify-result");
  var text = document.getElementById("bundle-text");
  var enc = new TextEncoder();

  // A message of the page's language with its %(name)s placeholders filled.
  function msg(key, params) {
    return (M[key] || key).replace(/%\((\w+)\)s/g, function (_m, name) { return String((params || {})[name]); });
  }
  function Failure(key, params) { this.sentence = msg(key, params); }

  function nodeHash(left, right) { return jf.sha256(jf.concat(Uint8Array.of(1), left, right)); }
  function leafHash(record) { return jf.sha256(jf.concat(Uint8Array.of(0), record)); }

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

  // RFC 6962 MTH over all the leaf hashes (a mirror's level-0 tiles): the split is the largest power of 2 < n.
  async function treeRoot(leaves) {
    if (leaves.length === 1) { return leaves[0]; }
    var k = 1;
    while (k * 2 < leaves.length) { k *= 2; }
    return nodeHash(await treeRoot(leaves.slice(0, k)), await treeRoot(leaves.slice(k)));
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

  function rawKey(pem) { var der = jf.pemBody(pem, "PUBLIC KEY"); return der.slice(der.length - 32); }

  // Key id: the first 16 hex digits of SHA-256 over the raw 32 bytes (the end of an Ed25519 SPKI).
  async function keyIdOf(pem) {
    try { return jf.hex(await jf.sha256(rawKey(pem))).slice(0, 16); } catch (e) { return "?"; }
  }

  async function ed25519(pem, signature, message) {
    if (!(window.crypto && crypto.subtle)) { throw new Failure("unsupported"); }
    var key = await crypto.subtle.importKey("spki", jf.pemBody(pem, "PUBLIC KEY"), { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  }

  async function check(bundle) {
    var reasons = [];
    function fail(key, params) { reasons.push(msg(key, params)); }
    var cp = bundle.checkpoint || {};
    if (bundle.type !== "inclusion") { fail("not_bundle"); }
    if (bundle.fund_id !== trusted.fund_id || cp.fund_id !== trusted.fund_id) { fail("other_fund"); }
    var enclosed = await keyIdOf(cp.public_key_pem || "");
    if (enclosed !== cp.key_id) { fail("key_id", { kid: cp.key_id, actual: enclosed }); }
    var key = trustedKeys().find(function (k) { return k.key_id === enclosed; });
    if (!key) { fail("untrusted", { kid: enclosed }); }
    if (key && key.partner && key.partner !== cp.partner) {
      fail("renamed", { named: cp.partner, kid: enclosed, owner: key.partner });
    }
    var record;
    try { record = jf.fromBase64(bundle.record_base64 || ""); } catch (e) { throw new Failure("not_bundle"); }
    if (bundle.record !== undefined && bundle.record !== new TextDecoder().decode(record)) { fail("readable"); }
    var path;
    try { path = (bundle.path || []).map(jf.unhex); } catch (e) { throw new Failure("not_bundle"); }
    var root = await rootFromPath(await leafHash(record), Number(bundle.leaf_index), Number(cp.tree_size), path);
    var signedRoot;
    try { signedRoot = jf.unhex(cp.root); } catch (e) { signedRoot = new Uint8Array(0); }
    if (root === null || !jf.sameBytes(root, signedRoot)) { fail("path"); }
    if (key) {
      // The trusted key when the page publishes it; else the enclosed one, whose hash is the trusted key id.
      var good = false;
      try { good = await ed25519(key.public_key_pem || cp.public_key_pem, jf.unhex(cp.signature), checkpointMessage(cp)); }
      catch (e) { if (e instanceof Failure) { throw e; } }
      if (!good) { fail("signature"); }
    }
    return { ok: reasons.length === 0, reasons: reasons, record: new TextDecoder().decode(record), cp: cp,
             signer: key ? (key.partner || "key " + key.key_id) : null };
  }

  // A proof from this server: the bundle checks, and so does every partner's signature of the same head.
  async function checkJoint(bundle) {
    var v = await check(bundle);
    var signers = v.signer ? [v.signer] : [];
    for (var i = 0; i < (bundle.signatures || []).length; i++) {
      var s = bundle.signatures[i];
      if (s.tree_size !== v.cp.tree_size || s.root !== v.cp.root) { v.reasons.push(msg("other_head", { partner: s.partner })); continue; }
      var w = await check(Object.assign({}, bundle, { checkpoint: s }));
      v.reasons = v.reasons.concat(w.reasons.filter(function (r) { return v.reasons.indexOf(r) < 0; }));
      if (w.ok && signers.indexOf(w.signer) < 0) { signers.push(w.signer); }
    }
    trusted.partners.forEach(function (p) {
      if (signers.indexOf(p) < 0) { v.reasons.push(msg("unsigned_by", { partner: p })); }
    });
    v.ok = v.reasons.length === 0;
    v.signers = signers;
    return v;
  }

  // -- a static mirror (C2SP tlog-tiles) --

  function indexPath(n) {
    var parts = [String(n % 1000).padStart(3, "0")];
    n = Math.floor(n / 1000);
    while (n) { parts.unshift("x" + String(n % 1000).padStart(3, "0")); n = Math.floor(n / 1000); }
    return parts.join("/");
  }
  function tilePath(level, n, width) { return "tile/" + level + "/" + indexPath(n) + (width === 256 ? "" : ".p/" + width); }

  async function fetchBytes(url) {
    var r;
    try { r = await fetch(url, { cache: "no-store" }); } catch (e) { throw new Failure("network"); }
    if (!r.ok) { throw new Failure("mirror_missing"); }
    return new Uint8Array(await r.arrayBuffer());
  }

  // The checkpoint note: body (origin, size, base64 root), a blank line, then "— name base64(keyid || sig)" lines.
  // A partner's signature counts when its key ID is SHA-256(name || 0x0A || 0x01 || key)[:4] of a trusted key.
  async function mirrorHead() {
    var note = new TextDecoder().decode(await fetchBytes("checkpoint"));
    var cut = note.indexOf("\n\n");
    if (cut < 0) { throw new Failure("mirror_checkpoint"); }
    var body = note.slice(0, cut + 1), lines = body.split("\n");
    if (lines[0] !== trusted.origin) { throw new Failure("mirror_checkpoint"); }
    var size = Number(lines[1]), root;
    try { root = jf.fromBase64(lines[2]); } catch (e) { throw new Failure("mirror_checkpoint"); }
    var signers = [];
    var sigs = note.slice(cut + 2).split("\n").filter(Boolean);
    for (var i = 0; i < sigs.length; i++) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(sigs[i]);
      if (!m || m[1] !== trusted.origin) { continue; }
      var raw = jf.fromBase64(m[2]);
      for (var j = 0; j < trustedKeys().length; j++) {
        var k = trustedKeys()[j];
        if (!k.public_key_pem) { continue; }
        var kid = (await jf.sha256(jf.concat(enc.encode(m[1] + "\n"), Uint8Array.of(1), rawKey(k.public_key_pem)))).slice(0, 4);
        if (jf.sameBytes(kid, raw.slice(0, 4)) && await ed25519(k.public_key_pem, raw.slice(4), enc.encode(body))) {
          if (signers.indexOf(k.partner) < 0) { signers.push(k.partner); }
        }
      }
    }
    if (!(size >= 1) || root.length !== 32) { throw new Failure("mirror_checkpoint"); }
    trusted.partners.forEach(function (p) { if (signers.indexOf(p) < 0) { throw new Failure("unsigned_by", { partner: p }); } });
    return { size: size, root: root, signers: signers };
  }

  async function fromMirror(seq) {
    var head = await mirrorHead();
    if (seq > head.size) { throw new Failure("mirror_beyond", { seq: seq, size: head.size }); }
    var leaves = [];
    for (var n = 0; n * 256 < head.size; n++) {
      var width = Math.min(256, head.size - n * 256), tile = await fetchBytes(tilePath(0, n, width));
      if (tile.length !== 32 * width) { throw new Failure("mirror_tree"); }
      for (var i = 0; i < width; i++) { leaves.push(tile.slice(32 * i, 32 * i + 32)); }
    }
    if (!jf.sameBytes(await treeRoot(leaves), head.root)) { throw new Failure("mirror_tree"); }
    var index = seq - 1, tileN = Math.floor(index / 256);
    var bundleBytes = await fetchBytes(tilePath("entries", tileN, Math.min(256, head.size - tileN * 256)));
    var at = 0, record = null;
    for (var slot = 0; slot <= index % 256; slot++) {
      if (at + 2 > bundleBytes.length) { throw new Failure("mirror_record", { seq: seq }); }
      var len = bundleBytes[at] * 256 + bundleBytes[at + 1];
      record = bundleBytes.slice(at + 2, at + 2 + len);
      at += 2 + len;
    }
    if (!record.length) { throw new Failure("private", { seq: seq }); }
    if (!jf.sameBytes(await leafHash(record), leaves[index])) { throw new Failure("mirror_record", { seq: seq }); }
    return { record: new TextDecoder().decode(record), size: head.size, root: jf.hex(head.root), signers: head.signers };
  }

  // -- showing --

  function day(text) {
    var d = new Date(text.length === 10 ? text + "T00:00:00Z" : text);
    if (isNaN(d)) { return text; }
    return new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: "UTC" }).format(d);
  }
  function amount(text) {
    var n = Number(text);
    var digits = (String(text).split(".")[1] || "").length;
    return isNaN(n) ? text : new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(Math.abs(n));
  }

  // The record in words: an entry's date, narration, and each account debited or credited with its amount.
  function inWords(recordText) {
    var r;
    try { r = JSON.parse(recordText); } catch (e) { return [recordText]; }
    if (r.type === "entry") {
      var lines = [msg("entry_words", { seq: r.seq, date: day(r.date), narration: r.narration })];
      (r.postings || []).forEach(function (p) {
        lines.push(msg(String(p.amount).charAt(0) === "-" ? "credit" : "debit",
                       { account: p.account, amount: amount(p.amount), currency: p.currency }));
      });
      return lines;
    }
    return [msg("event_words", { seq: r.seq, date: day(r.recorded_at || ""), action: r.action, subject: r.subject })];
  }

  function show(ok, lines, details) {
    out.textContent = "";
    out.className = ok ? "ok" : "error";
    out.dataset.verdict = ok ? "ok" : "rejected";
    lines.forEach(function (line) { var p = document.createElement("p"); p.textContent = line; out.appendChild(p); });
    if (details && details.length) {
      var ul = document.createElement("ul");
      details.forEach(function (line) { var li = document.createElement("li"); li.textContent = line; ul.appendChild(li); });
      out.appendChild(ul);
    }
  }

  function proven(seq, size, root, signers, unsigned) {
    var lines = [msg("proven", { seq: seq, size: size, root: root.slice(0, 16) + "…", signers: signers.join(msg("and")) })];
    if (unsigned !== null) { lines.push(unsigned ? msg("unsigned", { num: unsigned }) : msg("all_signed")); }
    return lines;
  }

  async function fromServer(seq) {
    var r;
    try { r = await fetch("/api/public/records/" + seq, { headers: { Accept: "application/json" } }); }
    catch (e) { throw new Failure("network"); }
    var body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (!r.ok) {
      var said = body && body.error && typeof body.error.message === "string" ? body.error.message : "";
      if (r.status === 404 && said.indexOf("private") >= 0) { throw new Failure("private", { seq: seq }); }
      if (r.status === 404) { throw new Failure("missing", { seq: seq }); }
      if (said.indexOf("not yet in a tree head") >= 0) { throw new Failure("not_signed", { seq: seq }); }
      if (r.status === 422) { throw new Failure("bad_seq"); }
      throw new Failure("refused", { seq: seq });
    }
    if (!body) { throw new Failure("refused", { seq: seq }); }
    return body;
  }

  async function verifyNumber() {
    var typed = document.getElementById("record-seq").value.trim();
    if (!/^[1-9][0-9]{0,11}$/.test(typed)) { throw new Failure("bad_seq"); }
    var seq = Number(typed);
    if (tool.dataset.source === "mirror") {
      var m = await fromMirror(seq);
      show(true, proven(seq, m.size, m.root, m.signers, null), inWords(m.record));
      return;
    }
    var bundle = await fromServer(seq);
    var v = await checkJoint(bundle);
    if (!v.ok) { show(false, [msg("bad")], v.reasons); return; }
    show(true, proven(seq, v.cp.tree_size, v.cp.root, v.signers, Number(bundle.unsigned)), inWords(v.record));
  }

  async function guarded(run) {
    try { await run(); }
    catch (e) { show(false, [msg("bad"), e instanceof Failure ? e.sentence : msg("unexpected")]); }
  }

  var file = document.getElementById("bundle-file");
  if (file) {
    file.addEventListener("change", async function (ev) {
      var f = ev.target.files[0];
      if (f) { text.value = await f.text(); }
    });
  }
  var fetchButton = document.getElementById("fetch-button");
  if (fetchButton) {
    fetchButton.addEventListener("click", async function () {
      var typed = document.getElementById("record-seq").value.trim();
      await guarded(verifyNumber);
      out.dataset.tried = typed;  // which attempt the answer is of (a reader's tool, or a test, can wait for it)
    });
  }
  // A record's own page (/records/N) starts the check at once: the reader came to verify that record.
  var preset = tool && tool.dataset.seq;
  if (preset && fetchButton) {
    document.getElementById("record-seq").value = preset;
    fetchButton.click();
  }
  var verifyButton = document.getElementById("verify-button");
  if (verifyButton) {
    verifyButton.addEventListener("click", function () {
      guarded(async function () {
        var bundle;
        try { bundle = JSON.parse(text.value); } catch (e) { throw new Failure("not_json"); }
        if (!bundle || typeof bundle !== "object") { throw new Failure("not_json"); }
        var v = await check(bundle);
        if (v.ok) {
          show(true, [msg("ok") + " " + v.signer + " (" + v.cp.tree_size + ", " + v.cp.root.slice(0, 16) + "…)"], inWords(v.record));
        } else {
          show(false, [msg("bad")], v.reasons);
        }
      });
    });
  }
})();
