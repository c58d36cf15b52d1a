// The composer's emoji picker (forum/_emoji_picker.html): a button inserts its
// :shortcode: at the caret and gives the focus back to the text; Escape closes
// the picker and returns to its summary.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-emoji]") : null;
    if (!button) return;
    var picker = button.closest("[data-emoji-picker]");
    var field = picker ? picker.closest(".composer-field") : null;
    var textarea = field ? field.querySelector("textarea[name=body]") : null;
    if (!textarea) return;
    var start = textarea.selectionStart || 0;
    var end = textarea.selectionEnd || 0;
    var before = textarea.value.slice(0, start);
    var lead = before && !/\s$/.test(before) ? " " : "";
    var text = lead + button.dataset.emoji + " ";
    textarea.value = before + text + textarea.value.slice(end);
    var caret = (before + text).length;
    picker.open = false;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var picker = event.target.closest ? event.target.closest("[data-emoji-picker]") : null;
    if (!picker || !picker.open) return;
    picker.open = false;
    picker.querySelector("summary").focus();
  });
})();
