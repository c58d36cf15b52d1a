/* Hearth: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  function closest(node, selector) {
    while (node && node.nodeType !== 1) {
      node = node.parentNode;
    }
    return node && node.closest ? node.closest(selector) : null;
  }

  /* --- Relative times -------------------------------------------------------------------
     Pages and post fragments are served from caches for minutes, so "5 minutes ago"
     may have been true when the HTML was rendered. Recount it from the datetime
     attribute in Django's own words (timesince: the largest unit and the next one;
     "just now" under a minute, as forum/templatetags/relative_time.py).
     Only times under four weeks old: there every unit has a fixed length, as in
     Django, and older ones are not made wrong by a few minutes. */
  var RECOUNT_BELOW = 28 * 86400;
  var UNITS = [[604800, "week"], [86400, "day"], [3600, "hour"], [60, "minute"]];

  function plural(count, unit) {
    return count + "\u00a0" + unit + (count === 1 ? "" : "s");
  }

  function timesince(seconds) {
    for (var i = 0; i < UNITS.length; i++) {
      var count = Math.floor(seconds / UNITS[i][0]);
      if (count > 0) {
        var text = plural(count, UNITS[i][1]);
        if (i + 1 < UNITS.length) {
          var rest = Math.floor((seconds - count * UNITS[i][0]) / UNITS[i + 1][0]);
          if (rest > 0) {
            text += ", " + plural(rest, UNITS[i + 1][1]);
          }
        }
        return text;
      }
    }
    return plural(0, "minute");
  }

  function refreshTimes(scope) {
    var now = Date.now();
    var times = (scope || document).querySelectorAll("time[data-timesince]");
    for (var i = 0; i < times.length; i++) {
      var then = Date.parse(times[i].getAttribute("datetime"));
      var seconds = Math.max(0, (now - then) / 1000);
      if (!isNaN(then) && seconds < RECOUNT_BELOW) {
        times[i].textContent = seconds < 60 ? "just now" : timesince(seconds) + " ago";
      }
    }
  }
  refreshTimes(document);
  window.setInterval(refreshTimes, 60000);
  document.addEventListener("htmx:load", function (event) {
    refreshTimes(event.detail.elt);
  });

  /* --- Quote a post, or the selected part of it -------------------------------------
     A Quote link (a[data-quote]) opens the reply page with the whole post quoted;
     that is all that happens without JavaScript. With it, on a page that has the
     reply composer, the quote is fetched as Markdown (data-quote holds its URL) and
     added to the composer where its caret is, without leaving the page. When the
     reader selected text inside that post's body, only the selection is quoted
     (?text=…). The selection is read on mousedown, before the click on the link
     collapses it. */
  function selectionIn(post) {
    var body = post && post.querySelector(".post-body");
    var selection = window.getSelection ? window.getSelection() : null;
    if (!body || !selection || selection.isCollapsed || !selection.rangeCount) {
      return "";
    }
    if (!body.contains(selection.getRangeAt(0).commonAncestorContainer)) {
      return "";
    }
    return selection.toString().trim().slice(0, 4000);
  }

  function insertQuote(composer, quote) {
    var value = composer.value;
    var at = typeof composer.selectionEnd === "number" ? composer.selectionEnd : value.length;
    var before = value.slice(0, at);
    var after = value.slice(at);
    if (before && !/\n\n$/.test(before)) {
      before += /\n$/.test(before) ? "\n" : "\n\n";
    }
    composer.value = before + quote + after;
    var caret = (before + quote).length;
    composer.focus();
    composer.setSelectionRange(caret, caret);
    composer.dispatchEvent(new Event("input", { bubbles: true }));
    // Bring the preview up to date (its button is an htmx trigger).
    var form = closest(composer, "form");
    var preview = form && form.querySelector(".composer-preview-bar button");
    if (preview) {
      preview.click();
    }
  }

  function quoteIntoComposer(link, composer, text) {
    var url = link.getAttribute("data-quote");
    if (text) {
      url += (url.indexOf("?") < 0 ? "?" : "&") + "text=" + encodeURIComponent(text);
    }
    link.setAttribute("aria-busy", "true");
    window
      .fetch(url, { credentials: "same-origin", headers: { Accept: "text/plain" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (quote) {
        link.removeAttribute("aria-busy");
        insertQuote(composer, quote);
      })
      .catch(function () {
        // The reply page quotes the same way, with a full page load.
        window.location.href = link.href + (text ? "&text=" + encodeURIComponent(text) : "");
      });
  }

  document.addEventListener(
    "mousedown",
    function (event) {
      var link = closest(event.target, "a[data-quote]");
      if (link) {
        link.setAttribute("data-selection", selectionIn(closest(link, ".post")));
      }
    },
    true
  );

  document.addEventListener("click", function (event) {
    var link = closest(event.target, "a[data-quote]");
    if (
      !link ||
      event.defaultPrevented ||
      event.button > 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    ) {
      return;
    }
    var text = link.getAttribute("data-selection") || selectionIn(closest(link, ".post"));
    link.removeAttribute("data-selection");
    var composer = document.querySelector("form[data-composer-form] textarea[name='body']");
    if (composer && link.getAttribute("data-quote") && window.fetch) {
      event.preventDefault();
      quoteIntoComposer(link, composer, text);
    } else if (text) {
      event.preventDefault();
      window.location.href = link.href + "&text=" + encodeURIComponent(text);
    }
  });

  /* --- Accept answer ---------------------------------------------------------------
     The accept / unaccept button swaps the page's .topic-main (labels, the copy of the
     answer under the question, Solved); the button the member used is replaced, so
     the focus goes to its successor, whose text says the new state. */
  var acceptRequest = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var button = closest(event.detail.elt, "button[data-accept-form]");
    var post = button && closest(button, "article.post");
    if (button) {
      acceptRequest = { xhr: event.detail.xhr, button: button.id, post: post && post.id };
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!acceptRequest || event.detail.xhr !== acceptRequest.xhr) {
      return;
    }
    var target = document.getElementById(acceptRequest.button);
    if (!target && acceptRequest.post) {
      target = document.getElementById(acceptRequest.post);
      if (target) {
        target.setAttribute("tabindex", "-1");
      }
    }
    acceptRequest = null;
    if (target) {
      target.focus();
    }
  });

  /* --- The member's menu in a narrow header (details[data-nav-menu]) -----------------
     It opens and closes without scripts; with them, Escape and a click elsewhere
     close it too, Escape handing the focus back to its summary. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var menu = closest(event.target, "details[data-nav-menu][open]");
    if (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });

  document.addEventListener("click", function (event) {
    var menus = document.querySelectorAll("details[data-nav-menu][open]");
    for (var i = 0; i < menus.length; i++) {
      if (!menus[i].contains(event.target)) {
        menus[i].open = false;
      }
    }
  });

  /* --- htmx ----------------------------------------------------------------------- */

  // A composer that fails validation (400) gets the server's form back, errors and
  // typed text included: swap in the form from the full page the server rendered,
  // then move focus to the first problem.
  var focusErrors = false;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var form = detail.elt;
    if (detail.xhr.status === 400 && form.matches && form.matches("form[data-composer-form]")) {
      detail.shouldSwap = true;
      detail.isError = false;
      detail.ignoreTitle = true;
      detail.target = form;
      detail.swapOverride = "outerHTML";
      detail.selectOverride = "form[data-composer-form]";
      focusErrors = true;
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!focusErrors) {
      return;
    }
    focusErrors = false;
    var problem = document.querySelector(
      "form[data-composer-form] .form-errors, form[data-composer-form] .field-invalid :is(input, textarea, select)"
    );
    if (problem) {
      if (problem.classList.contains("form-errors")) {
        problem.setAttribute("tabindex", "-1");
      }
      problem.focus();
    }
  });

  // Any other failed htmx request: say so next to the control, with the server's
  // reason when the error page gives one.
  function showError(elt, message) {
    var host = closest(elt, "form") || elt;
    var note = host.querySelector("[data-htmx-error]");
    if (!note) {
      note = document.createElement("p");
      note.className = "field-error";
      note.setAttribute("role", "alert");
      note.setAttribute("data-htmx-error", "");
      host.appendChild(note);
    }
    note.textContent = message;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var message = "That didn't work (error " + xhr.status + "). Please reload the page and try again.";
    try {
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var reason = page.querySelector("[data-error-reason]");
      if (reason && reason.textContent.trim()) {
        message = reason.textContent.trim();
      }
    } catch (e) {
      /* keep the generic message */
    }
    showError(event.detail.elt, message);
  });

  document.addEventListener("htmx:sendError", function (event) {
    showError(event.detail.elt, "The server could not be reached. Check your connection and try again.");
  });

  /* --- Notifications: the bell and in-place updates ----------------------------------
     The bell polls for its count; a poll that brings the same text changes nothing,
     so screen readers hear the live region only when the count changes, and a
     failed poll stays silent (the next one retries). Content swapped in after an
     action (a watch level saved, a notification marked read) takes the focus back
     from the button that was replaced. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var bell = closest(event.detail.elt, "[data-bell]");
    if (!bell || event.detail.xhr.status !== 200) {
      return;
    }
    var current = bell.querySelector("[data-bell-text]");
    var page = new DOMParser().parseFromString(event.detail.serverResponse, "text/html");
    var fresh = page.querySelector("[data-bell-text]");
    if (current && fresh && current.textContent === fresh.textContent) {
      event.detail.shouldSwap = false;
    }
  });

  function quietBellErrors(event) {
    if (closest(event.detail.elt, "[data-bell]")) {
      event.stopPropagation();
    }
  }
  document.addEventListener("htmx:responseError", quietBellErrors, true);
  document.addEventListener("htmx:sendError", quietBellErrors, true);

  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail.elt;
    var target = elt && elt.matches && elt.matches("[data-focus-after-swap]")
      ? elt
      : elt && elt.querySelector && elt.querySelector("[data-focus-after-swap]");
    if (target) {
      target.focus();
    }
  });
})();
