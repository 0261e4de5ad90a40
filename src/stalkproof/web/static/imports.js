// stalkproof web, import page: show the upload's progress and the server's answer. The form works without
// this file (a plain POST); this only adds the progress bar's wording and keeps focus where the news is.
(function () {
  "use strict";

  function importForm(element) {
    return element && element.closest ? element.closest("form.import-form") : null;
  }

  function say(form, text) {
    var status = form.querySelector("#upload-status");
    if (status) { status.textContent = text; }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = importForm(event.target);
    if (!form) { return; }
    var box = form.querySelector(".upload-progress");
    if (box) { box.hidden = false; }
    say(form, "Uploading. Please keep this page open.");
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = importForm(event.target);
    if (form && event.detail.lengthComputable && event.detail.loaded >= event.detail.total) {
      say(form, "Upload finished. Reading the export: a large one can take a few minutes.");
    }
  });

  // A refused upload comes back as a page with status 400 or 413 that explains why; htmx would
  // otherwise leave it unshown.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var sender = event.detail.requestConfig ? event.detail.requestConfig.elt : event.target;
    if (importForm(sender) && status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var form = importForm(event.target);
    if (form) {
      say(form, "The upload stopped before it finished, so nothing was imported. If the file is very large, " +
        "use the command line instead (stalkproof import).");
    }
  });

  // After the answer replaces the page, move focus to the result or the problem so it is read out.
  document.addEventListener("htmx:afterSettle", function () {
    var news = document.querySelector("[data-focus]");
    if (news) { news.focus(); }
  });
})();
