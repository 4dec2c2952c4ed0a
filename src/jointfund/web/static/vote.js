// Voting signs in the browser: the member's PKCS#8 key file is read here, WebCrypto signs the
// canonical ballot bytes the server gives, and only the signature is sent. The key never leaves.
"use strict";
(function () {
  var form = document.getElementById("vote-form");
  if (!form) { return; }
  var out = document.getElementById("vote-result");
  var id = form.dataset.proposal;

  function say(ok, message) { out.className = ok ? "ok" : "error"; out.textContent = message; }

  function labelOf(choice) {
    var input = form.querySelector("input[name=choice][value=" + choice + "]");
    return input ? input.parentElement.textContent.trim() : choice;
  }

  // After a vote the proposal is redrawn from its own page, as the server renders it in the page's language:
  // the API's answer is for programs (its state and reason are English codes and text).
  async function redraw() {
    var html = await (await fetch(location.href, { credentials: "same-origin" })).text();
    var fresh = new DOMParser().parseFromString(html, "text/html");
    ["state", "reason", "seats"].forEach(function (id) {
      var now = document.getElementById(id), then = fresh.getElementById(id);
      if (now && then) { now.replaceWith(document.importNode(then, true)); }
    });
    return document.getElementById("reason").textContent;
  }

  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    try {
      if (!(window.crypto && crypto.subtle)) { throw new Error(form.dataset.unsupported); }
      var member = form.elements.member.value;
      var choice = form.querySelector("input[name=choice]:checked").value;
      // Say in words exactly what will be signed, and sign only once the member confirms it.
      var seat = form.elements.member.options[form.elements.member.selectedIndex].textContent.trim();
      var question = form.dataset.confirm.replace("%(what)s", form.dataset.what)
        .replace("%(choice)s", labelOf(choice)).replace("%(seat)s", seat);
      if (!window.confirm(question)) { return; }
      var file = form.elements.key.files[0];
      var key = await jf.signingKey(file);
      var ballot = await jf.answer(await fetch("/api/proposals/" + id + "/ballot?member=" + encodeURIComponent(member) +
                                          "&choice=" + encodeURIComponent(choice), { credentials: "same-origin" }));
      var signature = await crypto.subtle.sign({ name: "Ed25519" }, key, jf.fromBase64(ballot.message_base64));
      await jf.answer(await fetch("/api/proposals/" + id + "/votes", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
        body: JSON.stringify({ member: Number(member), choice: choice, round: ballot.round, signature: jf.hex(signature) })
      }));
      say(true, form.dataset.done + " " + await redraw());
      form.elements.key.value = "";
    } catch (e) {
      say(false, e.message || String(e));  // the API's refusal, said in the page's language (jf.answer)
    }
  });
})();
