// The partner's authority signs a link (or unlinking) of a user and a seat in this browser: the key file is
// read here, WebCrypto signs the statement bytes the server prepared, and only the signature is posted.
"use strict";
(function () {
  var form = document.getElementById("authority-form");
  if (!form) { return; }
  var out = document.getElementById("authority-result");
  var signed = false;
  form.addEventListener("submit", async function (ev) {
    if (signed) { return; }
    ev.preventDefault();
    try {
      if (!(window.crypto && crypto.subtle)) { throw new Error(form.dataset.unsupported); }
      var file = document.getElementById("authority-key").files[0];
      var key = await crypto.subtle.importKey("pkcs8", jf.pemBody(await file.text(), "PRIVATE KEY"),
                                              { name: "Ed25519" }, false, ["sign"]);
      var signature = await crypto.subtle.sign({ name: "Ed25519" }, key, jf.fromBase64(form.dataset.message));
      form.elements.signature.value = jf.hex(signature);
      document.getElementById("authority-key").value = "";  // the key file is not sent with the form
      signed = true;
      form.submit();
    } catch (e) {
      out.className = "error";
      out.textContent = e.message || String(e);
    }
  });
})();
