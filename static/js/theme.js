/* Hearth colour theme. Loaded in <head> without defer, so the chosen theme
   is set before the first paint. No dependencies.
   <html data-theme="auto|light|dark">; "auto" follows the system setting. */
(function () {
  "use strict";
  var KEY = "hearth-theme";
  var THEMES = ["auto", "light", "dark"];
  var root = document.documentElement;

  // Scripts run: show the .js-only controls from the first paint on.
  root.classList.add("js");

  function read() {
    try {
      var value = window.localStorage.getItem(KEY);
      return THEMES.indexOf(value) >= 0 ? value : "auto";
    } catch (e) {
      return "auto";
    }
  }

  function save(theme) {
    try {
      window.localStorage.setItem(KEY, theme);
    } catch (e) {
      /* private mode: the choice lasts for this page only */
    }
  }

  function next(theme) {
    return THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
  }

  function label() {
    var theme = root.getAttribute("data-theme") || "auto";
    var buttons = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      // The accessible name starts with the visible text (WCAG 2.5.3).
      buttons[i].setAttribute("aria-label", "Theme: " + theme + " (switch to " + next(theme) + ")");
      var text = buttons[i].querySelector("[data-theme-label]");
      if (text) {
        text.textContent = "Theme: " + theme;
      }
    }
  }

  function apply(theme) {
    root.setAttribute("data-theme", theme);
    label();
  }

  apply(read());

  document.addEventListener("DOMContentLoaded", label);
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-theme-toggle]");
    if (!button) {
      return;
    }
    var theme = next(root.getAttribute("data-theme") || "auto");
    save(theme);
    apply(theme);
  });
  // Another tab changed the theme.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) {
      apply(read());
    }
  });
})();
