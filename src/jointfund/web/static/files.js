// The chosen file's name beside our own file picker (templates/_file.html): the browser's own "Choose file"
// text is hidden with its input, so the page says, in its language, what was chosen.
"use strict";
(function () {
  document.querySelectorAll("input.file-input").forEach(function (input) {
    var shown = document.getElementById(input.id + "-chosen");
    if (!shown || input.dataset.picked) { return; }  // loaded once per picker: handle each input once
    input.dataset.picked = "1";
    function say() {
      var names = Array.from(input.files || [], function (f) { return f.name; });
      if (names.length === 0) { shown.textContent = shown.dataset.none; }
      else if (names.length === 1) { shown.textContent = names[0]; }
      else { shown.textContent = shown.dataset.many.replace("%(count)s", names.length).replace("%(names)s", names.join(", ")); }
    }
    input.addEventListener("change", say);
    say();  // a file kept by the browser on going back
  });
})();
