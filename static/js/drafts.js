// Drafts kept on the server (drafts app). htmx saves the composer a moment
// after typing stops (hx-post on the composer field, forum/_composer.html);
// this script restores a saved draft into an empty composer, saves once more
// when the page is left (sendBeacon), and stops saving once the form is sent.
(function () {
  "use strict";

  function fieldsOf(box) {
    var form = box.closest("form");
    return {
      form: form,
      body: box.querySelector("textarea[name=body]"),
      title: form ? form.querySelector("input[name=title]") : null,
      status: box.querySelector("[data-draft-status]"),
    };
  }

  function restore(box) {
    var f = fieldsOf(box);
    if (!f.body || f.body.value.trim() || (f.title && f.title.value.trim())) return;
    var url = box.dataset.draftLoad + "?key=" + encodeURIComponent(box.dataset.draftKey);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.status === 200 ? response.json() : null; })
      .then(function (draft) {
        if (!draft || f.body.value.trim()) return;
        f.body.value = draft.body;
        if (f.title && draft.title && !f.title.value.trim()) f.title.value = draft.title;
        if (f.status) f.status.textContent = "Draft restored (saved " + draft.saved + ").";
      })
      .catch(function () {});
  }

  function setUp(box) {
    if (box.dataset.draftReady) return;
    box.dataset.draftReady = "1";
    var f = fieldsOf(box);
    if (!f.form || !f.body) return;
    var dirty = false;
    var sent = false;
    box.addEventListener("input", function () { dirty = true; });
    if (f.title) f.title.addEventListener("input", function () { dirty = true; });
    // A save already waiting must not bring back a draft that was just posted.
    box.addEventListener("htmx:beforeRequest", function (event) {
      if (event.target !== box) return;
      if (sent) { event.preventDefault(); return; }
      dirty = false;
    });
    // Once sent, this composer saves no more: a posted reply leaves the page
    // (or is replaced by the server's form, with a composer of its own, when
    // it needs fixing), and its draft is discarded by the server.
    f.form.addEventListener("submit", function () { sent = true; });
    function saveNow() {
      if (!dirty || sent || !navigator.sendBeacon) return;
      var data = new FormData(f.form);
      data.set("draft_key", box.dataset.draftKey);
      if (navigator.sendBeacon(box.getAttribute("hx-post"), data)) dirty = false;
    }
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") saveNow();
    });
    window.addEventListener("pagehide", saveNow);
    restore(box);
  }

  function setUpAll(root) {
    Array.prototype.forEach.call(
      (root || document).querySelectorAll("[data-draft-key]"), setUp
    );
  }

  document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  document.addEventListener("htmx:load", function (event) { setUpAll(event.target); });
})();
