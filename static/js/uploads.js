// Attaching pictures and files in the composer (uploads app): the Upload
// button, choosing a file, dropping files on the text or pasting them all
// upload in place and insert the Markdown at the cursor. Without this script
// the upload form opens the Markdown to paste in a new tab.
(function () {
  "use strict";

  function insertAt(textarea, text) {
    var start = textarea.selectionStart || 0;
    var end = textarea.selectionEnd || 0;
    var before = textarea.value.slice(0, start);
    var after = textarea.value.slice(end);
    var lead = before && !before.endsWith("\n") ? "\n" : "";
    var insert = lead + text + "\n";
    textarea.value = before + insert + after;
    var caret = (before + insert).length;
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
  }

  function upload(box, file) {
    var form = document.getElementById(box.dataset.uploadFormId);
    var textarea = document.getElementById(box.dataset.uploadFor);
    var status = box.querySelector("[data-upload-status]");
    if (!form || !textarea) return;
    var data = new FormData();
    data.append("file", file, file.name || "pasted.png");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    status.textContent = "Uploading " + (file.name || "the picture") + "…";
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
    })
      .then(function (response) {
        return response.json().catch(function () {
          return { error: "The upload failed (" + response.status + ")." };
        });
      })
      .then(function (body) {
        if (body.markdown) {
          insertAt(textarea, body.markdown);
          status.textContent = "Attached " + (file.name || "the picture") + ".";
        } else {
          status.textContent = body.error || "The upload failed.";
        }
      })
      .catch(function () {
        status.textContent = "The upload failed: check your connection and try again.";
      });
  }

  function filesOf(list) {
    return Array.prototype.slice.call(list || []);
  }

  function setUp(box) {
    if (box.dataset.uploadReady) return;
    box.dataset.uploadReady = "1";
    var input = box.querySelector("input[type=file]");
    var button = box.querySelector("[data-upload-button]");
    var textarea = document.getElementById(box.dataset.uploadFor);
    if (button) button.hidden = true; // choosing a file uploads it
    if (input) {
      input.addEventListener("change", function () {
        filesOf(input.files).forEach(function (file) { upload(box, file); });
        input.value = "";
      });
    }
    if (!textarea) return;
    textarea.addEventListener("dragover", function (event) {
      if (event.dataTransfer && filesOf(event.dataTransfer.types).indexOf("Files") !== -1) {
        event.preventDefault();
        textarea.classList.add("drop-target");
      }
    });
    textarea.addEventListener("dragleave", function () {
      textarea.classList.remove("drop-target");
    });
    textarea.addEventListener("drop", function (event) {
      var files = event.dataTransfer ? filesOf(event.dataTransfer.files) : [];
      textarea.classList.remove("drop-target");
      if (!files.length) return;
      event.preventDefault();
      files.forEach(function (file) { upload(box, file); });
    });
    textarea.addEventListener("paste", function (event) {
      var files = event.clipboardData ? filesOf(event.clipboardData.files) : [];
      if (!files.length) return;
      event.preventDefault();
      files.forEach(function (file) { upload(box, file); });
    });
  }

  function setUpAll(root) {
    filesOf((root || document).querySelectorAll("[data-upload-for]")).forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  document.addEventListener("htmx:load", function (event) { setUpAll(event.target); });
})();
