/* Live standings on /competitions/{id}: a progressive enhancement (the page is complete
   without it). Subscribes to the competition's standings stream (Server-Sent Events, an event
   "standings" once on connect and at every change); on an event it fetches the standings part
   of this page, rendered by the server (?fragment=standings), and swaps it in when its
   data-version differs, announcing the update politely (role=status, aria-live=polite).
   Our own code: no library, no build. */
(function () {
  "use strict";
  var root = document.getElementById("standings-live");
  if (!root || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var status = document.getElementById("live-status");
  var streamUrl = root.getAttribute("data-stream");
  var fragmentUrl = root.getAttribute("data-fragment");
  var lang = root.getAttribute("data-lang") || document.documentElement.lang || "ru";
  var busy = false;
  var again = false;
  var lastData = null;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function currentVersion() {
    var section = root.querySelector("[data-version]");
    return section ? section.getAttribute("data-version") : null;
  }

  function timeNow() {
    try {
      return new Date().toLocaleTimeString(lang);
    } catch (error) {
      return new Date().toLocaleTimeString();
    }
  }

  function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(fragmentUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (text) {
        var parsed = new DOMParser().parseFromString(text, "text/html");
        var section = parsed.querySelector("[data-version]");
        if (!section) {
          return;
        }
        if (section.getAttribute("data-version") !== currentVersion()) {
          var hadFocus = root.contains(document.activeElement);
          root.replaceChildren.apply(root, Array.prototype.slice.call(parsed.body.childNodes));
          if (hadFocus) {
            var region = root.querySelector(".table-wrap, h2");
            if (region) {
              region.setAttribute("tabindex", region.getAttribute("tabindex") || "-1");
              region.focus();
            }
          }
          say((root.getAttribute("data-updated-text") || "").replace("%(time)s", timeNow()));
        }
      })
      .catch(function () {
        /* the next event (or a reload) brings the standings; the page stays as it was */
      })
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  var source = null;

  function connect() {
    source = new EventSource(streamUrl);
    source.addEventListener("open", function () {
      say(root.getAttribute("data-live-text") || "");
    });
    source.addEventListener("standings", function (event) {
      // the stream's as_of_position moves with every event of the store: compare the rest
      var data = String(event.data).replace(/"as_of_position":\d+/, "");
      if (data === lastData) {
        return;
      }
      lastData = data;
      refresh();
    });
  }

  connect();
  window.addEventListener("pagehide", function () {
    if (source) {
      source.close();
      source = null;
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && !source) {
      lastData = null; // back from the page cache: catch up with what changed meanwhile
      connect();
    }
  });
})();
