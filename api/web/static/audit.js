/* Live event history on /audit (the newest page): a progressive enhancement, the page is
   complete without it. Listens to the audit stream (/audit/live: Server-Sent Events, one per
   recorded event); when events arrive it fetches the rows above the table's newest one,
   rendered by the server with the page's own filter (?fragment=rows&after=N), prepends them
   and says so politely (role=status). Our own code: no library, no build. */
(function () {
  "use strict";
  var table = document.getElementById("audit-events");
  if (!table || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var live = table.getAttribute("data-live");
  var fragment = table.getAttribute("data-fragment");
  var body = document.getElementById("audit-rows");
  var status = document.getElementById("audit-live-status");
  var texts = document.getElementById("audit-live-texts");
  if (!live || !fragment || !body) {
    return;
  }
  var busy = false;
  var again = false;
  var timer = null;

  function newest() {
    var row = body.querySelector("tr[id^='p']");
    return row ? parseInt(row.id.slice(1), 10) : 0;
  }

  function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    var after = newest();
    fetch(fragment + "&after=" + after, {
      credentials: "same-origin",
      headers: { Accept: "text/html" }
    })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error("HTTP " + answer.status);
        }
        return answer.text();
      })
      .then(function (html) {
        var parsed = new DOMParser().parseFromString(
          "<table><tbody>" + html + "</tbody></table>",
          "text/html"
        );
        var rows = parsed.querySelectorAll("tbody > tr[id^='p']");
        var first = body.firstChild;
        var added = 0;
        for (var i = 0; i < rows.length; i += 1) {
          var position = parseInt(rows[i].id.slice(1), 10);
          if (position > after && !document.getElementById(rows[i].id)) {
            // newest first: each goes before the rows that were there, after the new ones
            body.insertBefore(document.importNode(rows[i], true), first);
            added += 1;
          }
        }
        if (added && status && texts) {
          status.textContent = texts.getAttribute("data-new");
        }
      })
      .catch(function () {
        /* the next event tries again; the page itself is complete */
      })
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  var source = new EventSource(live);
  source.onmessage = function () {
    if (timer === null) {
      timer = window.setTimeout(function () {
        timer = null;
        refresh();
      }, 300);
    }
  };
})();
