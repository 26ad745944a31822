// The administrator's token page: a "Copy" button beside the token shown once (our own
// small script; without it the token is a selectable, read-only text field).
(function () {
  "use strict";
  var button = document.getElementById("copy-token");
  var field = document.getElementById("issued-token");
  var status = document.getElementById("copy-status");
  if (!button || !field) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    field.focus();
    field.select();
    var done = function () { if (status) { status.textContent = button.dataset.copied; } };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        document.execCommand("copy");
        done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
