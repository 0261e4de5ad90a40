// stalkproof web: the quick exit (button and Escape), the idle lock, and small helpers. The core forms
// work without this file; it only makes leaving faster and safer.
(function () {
  "use strict";
  var body = document.body;
  var exitUrl = body.dataset.exitUrl;

  function quickExit(event) {
    if (event) { event.preventDefault(); }
    // Lock first (the beacon survives the page going away), then replace this page so that the back
    // button does not return to it.
    try { navigator.sendBeacon("/quick-exit"); } catch (ignored) { /* leaving matters more */ }
    document.title = "";
    body.hidden = true;
    window.location.replace(exitUrl);
  }

  var button = document.getElementById("quick-exit");
  if (button) { button.addEventListener("click", quickExit); }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.defaultPrevented) {
      var open = document.querySelector("dialog[open]");
      if (!open) { quickExit(event); }
    }
  });

  // Lock after the same quiet spell the server uses, so that evidence does not stay on screen.
  var idleSeconds = parseInt(body.dataset.idleSeconds || "0", 10);
  if (body.dataset.unlocked === "true" && idleSeconds > 0) {
    var timer = null;
    var reset = function () {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(function () { window.location.replace("/locked?idle=true"); }, idleSeconds * 1000);
    };
    ["keydown", "mousedown", "touchstart", "scroll"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    reset();
  }

  // Show upload progress on forms that ask for it (data-progress="ID of a <progress>").
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest("form[data-progress]");
    if (!form || !event.detail.lengthComputable) { return; }
    var bar = document.getElementById(form.dataset.progress);
    if (bar) { bar.value = Math.round((event.detail.loaded / event.detail.total) * 100); }
  });
})();
