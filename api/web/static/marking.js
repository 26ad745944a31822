/* The marking sheet on /mark/{id}: a progressive enhancement (without it the sheet is a plain
   form that posts every mark at once).

   - Enter moves to the next open cell (and the one left is saved); Shift+Enter to the previous.
   - Each mark is saved as soon as its cell is left, through POST /mark/{id}/marks (JSON, the
     page's CSRF token in x-csrftoken; the web session authenticates it), the command of
     POST /api/v1/competitions/{id}/marks.
   - A mark not yet acknowledged stays in this browser (localStorage, per competition and
     expert), is shown "not saved", and is sent again when the network returns (the "online"
     event, a timer, the next visit of the page). Sending an identical mark again is a no-op
     the registry guarantees, so a mark whose answer was lost is recorded once.
   - A refusal (a value out of range, a conflict of interest...) is shown next to its cell, in
     the page's language, and the mark leaves the queue: sending it again would not help.
   Our own code: no library, no build. */
(function () {
  "use strict";
  var form = document.getElementById("marking-sheet");
  if (!form || !window.fetch || !window.JSON) {
    return;
  }
  var endpoint = form.getAttribute("data-endpoint");
  var storageKey = form.getAttribute("data-storage");
  var csrfField = form.querySelector('input[name="_csrf_token"]');
  var csrf = csrfField ? csrfField.value : "";
  var queueStatus = document.getElementById("marking-queue");
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.marking-input"));
  var open = inputs.filter(function (input) { return !input.disabled; });
  var byKey = {};
  var sending = false;
  var timer = null;
  var RETRY_MS = 3000;

  document.documentElement.classList.add("marking-js");

  function text(name) {
    return form.getAttribute("data-text-" + name) || "";
  }

  function keyOf(input) {
    return input.getAttribute("data-competitor") + "|" + input.getAttribute("data-aspect");
  }

  open.forEach(function (input) {
    byKey[keyOf(input)] = input;
  });

  // ---------------------------------------------------------------- the queue (localStorage)

  var memoryQueue = {};

  function load() {
    try {
      var stored = window.localStorage.getItem(storageKey);
      return stored ? JSON.parse(stored) || {} : {};
    } catch (error) {
      return memoryQueue;
    }
  }

  function store(queue) {
    memoryQueue = queue;
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(queue));
    } catch (error) {
      /* private mode or full: the queue lives in memory for this page */
    }
  }

  function pending() {
    return Object.keys(load()).length;
  }

  function showQueue() {
    var count = pending();
    if (!queueStatus) {
      return;
    }
    if (count > 0) {
      queueStatus.textContent = text("queue").replace("%(count)s", String(count));
      queueStatus.className = "marking-queue marking-queue--pending";
    } else {
      queueStatus.textContent = queueStatus.textContent ? text("all-saved") : "";
      queueStatus.className = "marking-queue";
    }
  }

  // ---------------------------------------------------------------- cells

  function stateOf(input) {
    return document.getElementById(input.id + "-state");
  }

  function setState(input, state, message) {
    var span = stateOf(input);
    var cell = input.closest("td");
    if (cell) {
      cell.classList.remove("marking-cell--unsaved", "marking-cell--saving", "marking-cell--error", "marking-cell--saved");
      if (state) {
        cell.classList.add("marking-cell--" + state);
      }
    }
    if (span) {
      span.textContent = state === "saved" ? text("saved")
        : state === "saving" ? text("saving")
        : state === "unsaved" ? text("unsaved")
        : state === "error" ? text("refused") : "";
    }
    var errorId = input.id + "-error";
    var old = document.getElementById(errorId);
    if (state === "error") {
      if (!old) {
        old = document.createElement("span");
        old.id = errorId;
        old.className = "field__error marking-error";
        old.setAttribute("role", "alert");
        cell.appendChild(old);
      }
      old.textContent = message || "";
      input.setAttribute("aria-invalid", "true");
      var described = (input.getAttribute("aria-describedby") || "").split(" ");
      if (described.indexOf(errorId) < 0) {
        described.push(errorId);
        input.setAttribute("aria-describedby", described.join(" ").trim());
      }
    } else if (old) {
      old.parentNode.removeChild(old);
      input.removeAttribute("aria-invalid");
    }
  }

  function valueFor(input) {
    var raw = input.value.trim();
    if (input.getAttribute("data-kind") === "judgement" && /^[0-9]{1,3}$/.test(raw)) {
      return parseInt(raw, 10); // the API takes a judgement score as the integer
    }
    return raw;
  }

  function remember(input) {
    var raw = input.value.trim();
    var queue = load();
    var key = keyOf(input);
    if (!raw || raw === input.getAttribute("data-saved")) {
      if (queue[key]) {
        delete queue[key];
        store(queue);
      }
      if (raw && !document.getElementById(input.id + "-error")) {
        setState(input, "saved");
      }
      showQueue();
      return;
    }
    queue[key] = {
      competitor_id: input.getAttribute("data-competitor"),
      aspect_id: input.getAttribute("data-aspect"),
      value: valueFor(input),
      typed: raw
    };
    store(queue);
    setState(input, "unsaved");
    showQueue();
    flush();
  }

  // ---------------------------------------------------------------- sending

  function progress(numbers) {
    if (!numbers) {
      return;
    }
    var pairs = [
      ["mine", numbers.mine_entered, "mine-bar"],
      ["all", numbers.entered, "all-bar"]
    ];
    pairs.forEach(function (pair) {
      var shown = document.querySelector('[data-progress="' + pair[0] + '"]');
      var bar = document.querySelector('[data-progress="' + pair[2] + '"]');
      if (shown) {
        shown.textContent = String(pair[1]);
      }
      if (bar) {
        bar.value = pair[1];
      }
    });
    var all = document.querySelector('[data-progress="all-expected"]');
    var allBar = document.querySelector('[data-progress="all-bar"]');
    if (all) {
      all.textContent = String(numbers.expected);
    }
    if (allBar) {
      allBar.max = numbers.expected || 1;
    }
  }

  function later() {
    if (!timer) {
      timer = window.setTimeout(function () {
        timer = null;
        flush();
      }, RETRY_MS);
    }
  }

  function sendOne(key, mark) {
    var input = byKey[key];
    if (input) {
      setState(input, "saving");
    }
    return fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "x-csrftoken": csrf
      },
      body: JSON.stringify({
        competitor_id: mark.competitor_id,
        aspect_id: mark.aspect_id,
        value: mark.value
      })
    }).then(function (response) {
      var json = (response.headers.get("content-type") || "").indexOf("application/json") === 0;
      if (response.ok && json) {
        return response.json().then(function (body) {
          var queue = load();
          if (queue[key] && queue[key].typed === mark.typed) {
            delete queue[key];
            store(queue);
          }
          if (input) {
            input.setAttribute("data-saved", mark.typed);
            if (input.value.trim() === mark.typed) {
              setState(input, "saved");
            }
          }
          progress(body.progress);
          return true;
        });
      }
      if (json && response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 429) {
        // the registry refused the mark: sending it again would not help
        return response.json().then(function (body) {
          var queue = load();
          if (queue[key] && queue[key].typed === mark.typed) {
            delete queue[key];
            store(queue);
          }
          if (input) {
            setState(input, "error", body.detail || text("refused"));
          }
          return true;
        });
      }
      // signed out (a redirect to /login), the form expired, the server busy: keep it
      if (input) {
        setState(input, "unsaved");
      }
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
        if (queueStatus) {
          queueStatus.textContent = text("signin");
        }
        return false;
      }
      return false;
    }, function () {
      // the network is down: the mark stays in the queue
      if (input) {
        setState(input, "unsaved");
      }
      return false;
    });
  }

  function flush() {
    if (sending) {
      return;
    }
    var queue = load();
    var keys = Object.keys(queue);
    if (!keys.length) {
      showQueue();
      return;
    }
    sending = true;
    var index = 0;
    function next(ok) {
      if (ok === false) {
        sending = false;
        showQueue();
        later();
        return;
      }
      if (index >= keys.length) {
        sending = false;
        showQueue();
        if (pending() > 0) {
          flush();
        }
        return;
      }
      var key = keys[index];
      index += 1;
      var current = load()[key];
      if (!current) {
        next(true);
        return;
      }
      sendOne(key, current).then(next);
    }
    next(true);
  }

  // ---------------------------------------------------------------- the keyboard

  function move(input, step) {
    var at = open.indexOf(input);
    var target = open[at + step];
    if (target) {
      target.focus();
      target.select();
    }
  }

  open.forEach(function (input) {
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        remember(input);
        move(input, event.shiftKey ? -1 : 1);
      }
    });
    input.addEventListener("change", function () {
      remember(input);
    });
  });

  // the whole-sheet button still posts the form (all or nothing); the queue is sent first
  window.addEventListener("online", flush);
  window.addEventListener("pageshow", flush);

  // marks kept from an earlier visit: back into their cells, then sent
  var kept = load();
  Object.keys(kept).forEach(function (key) {
    var input = byKey[key];
    if (!input) {
      return;
    }
    if (String(kept[key].typed) === input.getAttribute("data-saved")) {
      delete kept[key];
      return;
    }
    input.value = kept[key].typed;
    setState(input, "unsaved");
  });
  store(kept);
  showQueue();
  flush();
})();
