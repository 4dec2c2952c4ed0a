// Proposing signs in the browser, as voting does: each supporting document is hashed here (SHA-256), the server
// drafts the canonical bytes with those hashes in them, the page says in words what will be signed and asks, and
// only then does WebCrypto sign with the member's PKCS#8 key file. The signed proposal and the files go in one
// request, which the server keeps whole or not at all. The key never leaves the browser.
"use strict";
(function () {
  var form = document.getElementById("propose-form");
  if (!form) { return; }
  var out = document.getElementById("propose-result");
  var data = form.dataset;

  function say(ok, message) { out.className = ok ? "ok" : "error"; out.textContent = message; }
  function chosen(select) { return select.options[select.selectedIndex].textContent.trim(); }
  function orNull(value) { value = value.trim(); return value === "" ? null : value; }

  async function hashed(files) {
    var limit = Number(data.maxBytes), total = 0, docs = [];
    if (files.length > Number(data.maxDocuments)) { throw new Error(data.tooMany); }
    for (var i = 0; i < files.length; i++) {
      var f = files[i];
      if (f.size < 1 || f.size > limit) { throw new Error(data.tooBig.replace("%(name)s", f.name)); }
      total += f.size;
      var digest = await jf.sha256(new Uint8Array(await f.arrayBuffer()));
      docs.push({ name: f.name, sha256: jf.hex(digest), size_bytes: f.size });
    }
    if (total > limit) { throw new Error(data.tooMuch); }
    return docs;
  }

  function words(draftId, fields, docs) {
    var what = data.proposal + " " + draftId + " «" + fields.title + "» (" + chosen(form.elements.kind) +
      (fields.amount ? ", " + fields.amount + " " + fields.currency : "") + ")";
    var listed = docs.length ? docs.map(function (d) {
      return d.name + " (" + d.size_bytes + " " + data.bytes + ", SHA-256 " + d.sha256.slice(0, 16) + "…)";
    }).join(", ") : data.none;
    return data.confirm.replace("%(what)s", what).replace("%(documents)s", listed)
      .replace("%(member)s", chosen(form.elements.member));
  }

  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    try {
      if (!(window.crypto && crypto.subtle)) { throw new Error(data.unsupported); }
      var files = Array.from(form.elements.documents.files);
      var docs = await hashed(files);
      var amount = orNull(form.elements.amount.value);
      var fields = {
        kind: form.elements.kind.value, title: form.elements.title.value.trim(),
        member: Number(form.elements.member.value), amount: amount,
        currency: amount === null ? null : form.elements.currency.value,
        deadline: orNull(form.elements.deadline.value), documents: docs
      };
      var headers = { "Content-Type": "application/json", "X-CSRF-Token": data.csrf };
      var draft = await jf.answer(await fetch("/api/proposals/draft", {
        method: "POST", credentials: "same-origin", headers: headers, body: JSON.stringify(fields)
      }));
      // Say in words exactly what will be signed, and sign only once the member confirms it.
      if (!window.confirm(words(draft.id, fields, docs))) { return; }
      var key = await jf.signingKey(form.elements.key.files[0]);
      var signature = await crypto.subtle.sign({ name: "Ed25519" }, key, jf.fromBase64(draft.message_base64));
      var body = new FormData();
      body.append("proposal", JSON.stringify(Object.assign({}, fields, { id: draft.id, signature: jf.hex(signature) })));
      files.forEach(function (f) { body.append("documents", f, f.name); });
      var done = await jf.answer(await fetch("/api/proposals/signed", {
        method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": data.csrf }, body: body
      }));
      form.elements.key.value = "";
      window.location.assign("/proposals/" + done.id);
    } catch (e) {
      say(false, e.message || String(e));
    }
  });
})();
