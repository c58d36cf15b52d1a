// The composer's @ autocomplete, as a WAI-ARIA combobox: typing "@" and a few
// letters asks /mentions/ for members and groups the author may mention; the
// list is a listbox the textarea controls (aria-activedescendant), driven by
// Up and Down, chosen with Enter or Tab, closed with Escape. Without this
// script the composer is a plain textarea.
(function () {
  "use strict";

  var AT_RE = /(^|[^A-Za-z0-9_@\/`])@([A-Za-z0-9_.+-]{1,40})$/;
  var counter = 0;

  function setUp(textarea) {
    if (textarea.dataset.mentionReady) return;
    textarea.dataset.mentionReady = "1";
    var url = textarea.closest("[data-mention-url]");
    url = url ? url.dataset.mentionUrl : "/mentions/";
    counter += 1;
    var listId = "mention-list-" + counter;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "People and groups to mention");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    textarea.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    textarea.setAttribute("role", "combobox");
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", listId);
    textarea.setAttribute("aria-expanded", "false");

    var items = [];
    var active = -1;
    var asked = "";
    var timer = null;
    var start = -1;

    function close() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      active = -1;
      textarea.setAttribute("aria-expanded", "false");
      textarea.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      active = index;
      Array.prototype.forEach.call(options, function (option, n) {
        option.setAttribute("aria-selected", n === index ? "true" : "false");
      });
      if (index >= 0 && options[index]) {
        textarea.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        textarea.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var item = items[index];
      if (!item || start < 0) return;
      var caret = textarea.selectionStart;
      var before = textarea.value.slice(0, start);
      var after = textarea.value.slice(caret);
      var text = "@" + item.insert + " ";
      textarea.value = before + text + after;
      var at = (before + text).length;
      textarea.setSelectionRange(at, at);
      close();
      status.textContent = "Mentioned @" + item.insert + ".";
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function show(results) {
      list.textContent = "";
      items = results;
      if (!results.length) { close(); return; }
      results.forEach(function (item, n) {
        var option = document.createElement("li");
        option.id = listId + "-" + n;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.className = "mention-option mention-" + item.kind;
        var label = document.createElement("span");
        label.className = "mention-option-label";
        label.textContent = item.label;
        var detail = document.createElement("span");
        detail.className = "mention-option-detail";
        detail.textContent = " " + item.detail;
        option.appendChild(label);
        option.appendChild(detail);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the textarea
          choose(n);
        });
        list.appendChild(option);
      });
      list.hidden = false;
      textarea.setAttribute("aria-expanded", "true");
      highlight(0);
      status.textContent = results.length + (results.length === 1 ? " suggestion" : " suggestions")
        + ": up and down to move, Enter to choose, Escape to close.";
    }

    function lookUp() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = AT_RE.exec(before);
      if (!match) { asked = ""; close(); return; }
      start = before.length - match[2].length - 1;
      if (match[2] === asked) return;
      asked = match[2];
      fetch(url + "?q=" + encodeURIComponent(asked), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          if (body.error) { close(); status.textContent = body.error; return; }
          if (asked === match[2]) show(body.results || []);
        })
        .catch(close);
    }

    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookUp, 150);
    });
    textarea.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % items.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight((active - 1 + items.length) % items.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        if (active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        event.preventDefault();
        asked = "";
        close();
      }
    });
    textarea.addEventListener("blur", function () { setTimeout(close, 0); });
  }

  function setUpAll(root) {
    Array.prototype.forEach.call(
      (root || document).querySelectorAll("textarea[data-composer=body]"), setUp
    );
  }

  document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  document.addEventListener("htmx:load", function (event) { setUpAll(event.target); });
})();
