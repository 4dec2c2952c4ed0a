// Signing in this browser what a page prepared (a partner's link of a user and a seat, a member's declared
// interest, recusal or new key, a partner's replacement of a lost key): every form with data-message carries the
// bytes the server prepared; the key file chosen in the form is read here, WebCrypto signs the bytes, and only the
// signature is posted with the form. The key file is never uploaded (its input has no name and is emptied).
"use strict";
(function () {
  document.querySelectorAll("form[data-message]").forEach(function (form) {
    var out = form.querySelector("output");
    var signed = false;
    form.addEventListener("submit", async function (ev) {
      if (signed) { return; }
      ev.preventDefault();
      var input = form.querySelector("input[type=file]");
      try {
        if (!(window.crypto && crypto.subtle)) { throw new Error(form.dataset.unsupported); }
        var key;
        try {
          key = await jf.signingKey(input.files[0]);
        } catch (e) {
          throw new Error(form.dataset.badKey || e.message);
        }
        var signature = await crypto.subtle.sign({ name: "Ed25519" }, key, jf.fromBase64(form.dataset.message));
        form.elements.signature.value = jf.hex(signature);
        input.value = "";  // the key file is not sent with the form
        signed = true;
        form.submit();
      } catch (e) {
        out.className = "error";
        out.textContent = e.message || String(e);
      }
    });
  });
})();
