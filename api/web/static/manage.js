// The marking-scheme editor (/manage/competitions/{id}/scheme): the running sum of the
// maximum marks, updated as they are typed; a scheme that does not add up to 100.00 is not
// sent (the server refuses it too). Without this script "Check" shows the sum.
(function () {
  "use strict";
  var form = document.getElementById("scheme-form");
  if (!form) return;
  var total = document.getElementById("scheme-total");
  var stateText = document.getElementById("scheme-sum-state");
  var problem = document.getElementById("scheme-client-error");
  var addRow = document.getElementById("scheme-add-row");
  var DECIMAL = /^[0-9]{1,6}([.,][0-9]{1,2})?$/;

  // hundredths as integers: no binary fractions
  function hundredths(text) {
    var value = text.trim().replace(",", ".");
    if (!value) return 0;
    if (!DECIMAL.test(value)) return null;
    var parts = value.split(".");
    var cents = (parts[1] || "").padEnd(2, "0");
    return parseInt(parts[0], 10) * 100 + parseInt(cents, 10);
  }

  function sum() {
    var cents = 0;
    var ok = true;
    form.querySelectorAll(".scheme-max").forEach(function (input) {
      var h = hundredths(input.value);
      if (h === null) ok = false;
      else cents += h;
    });
    var text = Math.floor(cents / 100) + "." + String(cents % 100).padStart(2, "0");
    total.textContent = text;
    stateText.textContent = "";
    return { cents: cents, text: text, ok: ok };
  }

  form.addEventListener("input", function (event) {
    if (event.target.classList.contains("scheme-max")) {
      sum();
      problem.hidden = true;
    }
  });

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.value === "check") return;
    var s = sum();
    if (!s.ok || s.cents !== 10000) {
      event.preventDefault();
      problem.textContent = form.dataset.sumMessage.replace("%(sum)s", s.text);
      problem.hidden = false;
      problem.focus && problem.setAttribute("tabindex", "-1");
      problem.focus();
    }
  });

  if (addRow) {
    addRow.hidden = false;
    addRow.addEventListener("click", function () {
      var rows = form.querySelectorAll("tr.scheme-row");
      var last = rows[rows.length - 1];
      var copy = last.cloneNode(true);
      var n = rows.length;
      copy.querySelectorAll("input, select").forEach(function (input) {
        input.name = input.name.replace(/_[0-9]+$/, "_" + n);
        var label = input.getAttribute("aria-label");
        if (label) input.setAttribute("aria-label", label.replace(/[0-9]+$/, String(n + 1)));
        if (input.tagName === "INPUT") input.value = "";
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
      });
      copy.querySelectorAll(".field__error").forEach(function (p) { p.remove(); });
      last.parentNode.appendChild(copy);
      copy.querySelector("input").focus();
    });
  }
  sum();
})();
