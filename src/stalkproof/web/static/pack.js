// Evidence pack pages: after HTMX puts a new part of the page in place (the result, or the form with a
// problem), move focus to its heading so that screen readers announce it and keyboard users start there.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "pack-page") { return; }
    var heading = event.detail.target.querySelector("h1");
    if (heading) { heading.focus(); }
  });
})();
