// The attachments uploader: sends the chosen file as the request body (no multipart, so the
// server streams it straight to disk), with a progress bar, then reloads the page to list it,
// or, when the form says `data-then`, opens that address followed by the new thing's id (an
// import's page).
// The CSRF token rides in a header, as the form's hidden field does elsewhere.
(function () {
  "use strict";
  var form = document.getElementById("attach-form");
  if (!form || typeof XMLHttpRequest === "undefined") return;
  form.hidden = false;
  var input = document.getElementById("attach-file");
  var bar = document.getElementById("attach-progress");
  var status = document.getElementById("attach-status");
  var max = parseInt(form.getAttribute("data-max"), 10);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = input.files && input.files[0];
    if (!file) { status.textContent = "Choose a file first."; return; }
    if (max && file.size > max) {
      status.textContent = "Not uploaded: " + file.name + " is larger than this server accepts.";
      return;
    }
    var request = new XMLHttpRequest();
    var upload = form.getAttribute("data-upload");
    request.open("POST", upload + (upload.indexOf("?") < 0 ? "?" : "&") + "name=" + encodeURIComponent(file.name));
    request.setRequestHeader("X-CSRF-Token", form.getAttribute("data-csrf"));
    request.setRequestHeader("Content-Type", "application/octet-stream");
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "Uploading " + file.name + "…";
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); bar.textContent = bar.value + "%"; }
    });
    request.addEventListener("load", function () {
      if (request.status === 201) {
        status.textContent = "Uploaded " + file.name + ".";
        var then = form.getAttribute("data-then");
        if (then) {
          window.location.assign(then + encodeURIComponent(JSON.parse(request.responseText).id));
        } else {
          window.location.reload();
        }
        return;
      }
      var detail = "The upload failed (" + request.status + ").";
      try { detail = JSON.parse(request.responseText).detail || detail; } catch (e) { /* not JSON */ }
      bar.hidden = true;
      status.textContent = detail;
    });
    request.addEventListener("error", function () {
      bar.hidden = true;
      status.textContent = "The upload was cut off; nothing was stored. Try again.";
    });
    request.send(file);
  });
})();
