// Interactive API documentation built from /api/openapi.json, with no third-party code.
"use strict";
(function () {
  var root = document.getElementById("operations");
  if (!root) { return; }
  var words = root.dataset;
  // Each operation's summary in the page's language, from the page (the OpenAPI document stays English).
  var summaries = JSON.parse((document.getElementById("summaries") || {}).textContent || "{}");
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  fetch("/api/openapi.json").then(function (r) { return r.json(); }).then(function (doc) {
    root.textContent = "";
    var n = 0;
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method], form = el("form", { "class": "operation stack" }), fields = [];
        n += 1;
        var head = el("h2", {}, method.toUpperCase() + " " + path);
        var section = el("section", { "aria-label": method.toUpperCase() + " " + path });
        section.appendChild(head);
        if (op.summary) { section.appendChild(el("p", { "class": "summary" }, summaries[op.summary] || op.summary)); }
        (op.parameters || []).forEach(function (p) {
          var fid = "op" + n + "-" + p.name;
          // The page's words, in its language (data-* of #operations): this script says none of its own.
          var where = words["in" + p.in.charAt(0).toUpperCase() + p.in.slice(1)] || p.in;
          form.appendChild(el("label", { "for": fid }, p.name + " (" + where + (p.required ? ", " + words.required : "") + ")"));
          var input = el("input", { id: fid, name: p.name });
          fields.push([p, input]);
          form.appendChild(input);
        });
        var body = null;
        if (op.requestBody) {
          form.appendChild(el("label", { "for": "op" + n + "-body" }, words.body));
          body = el("textarea", { id: "op" + n + "-body", rows: "4" });
          form.appendChild(body);
        }
        form.appendChild(el("button", { type: "submit" }, words.try));
        var result = el("pre", { "class": "bundle", role: "status" });
        form.appendChild(result);
        form.addEventListener("submit", async function (ev) {
          ev.preventDefault();
          var url = path, query = new URLSearchParams();
          fields.forEach(function (f) {
            if (!f[1].value) { return; }
            if (f[0].in === "path") { url = url.replace("{" + f[0].name + "}", encodeURIComponent(f[1].value)); }
            else if (f[0].in === "query") { query.append(f[0].name, f[1].value); }
          });
          var headers = { "Accept": "application/json" }, token = document.getElementById("token").value;
          if (token) { headers.Authorization = "Bearer " + token; }
          if (body) { headers["Content-Type"] = "application/json"; headers["X-CSRF-Token"] = root.dataset.csrf || ""; }
          var r = await fetch(url + (query.toString() ? "?" + query : ""), { method: method.toUpperCase(), headers: headers,
                                 body: body ? body.value : undefined, credentials: "same-origin" });
          result.textContent = r.status + " " + r.statusText + "\n" + (await r.text()).slice(0, 20000);
        });
        section.appendChild(form);
        root.appendChild(section);
      });
    });
  });
})();
