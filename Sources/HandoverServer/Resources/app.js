// The completeness panel is served open; on a phone it comes before the form, so it starts
// closed there (its summary still shows the score) unless a refused submit points to it.
(function () {
  var details = document.getElementById("lint-details");
  if (!details || !window.matchMedia) return;
  var narrow = window.matchMedia("(max-width: 50rem)");
  if (narrow.matches && !document.querySelector(".submit-refused")) details.open = false;
  // Turning a tablet or resizing a window: narrow closes it, wide opens it (autosave keeps the state).
  if (narrow.addEventListener) narrow.addEventListener("change", function (event) {
    var current = document.getElementById("lint-details");
    if (current) current.open = !event.matches;
  });
})();

// Autosave for the handover editor: saves a draft a moment after typing stops and refreshes
// the completeness panel. Without this script the Save button does the same with a page load.
(function () {
  var form = document.getElementById("editor");
  if (!form || !window.fetch) return;
  var status = document.getElementById("autosave-status");
  var lint = document.getElementById("lint");
  var timer = null, busy = false, again = false, leaving = false;
  function say(text) { if (status) status.textContent = text; }
  // A refusal for a credential brings "Seal it instead" buttons; they show only where the page
  // can seal (it has the dialog, and secrets.js handles their clicks).
  function offer(buttons) {
    var holder = document.getElementById("autosave-offers");
    if (!holder) return;
    holder.innerHTML = "";
    if (buttons && document.getElementById("seal-instead")) holder.appendChild(buttons);
  }
  function save() {
    if (leaving) return;
    if (busy) { again = true; return; }
    busy = true;
    say("Saving…");
    fetch(form.getAttribute("data-autosave"), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Autosave": "1" },
      body: new URLSearchParams(new FormData(form)).toString(),
      credentials: "same-origin"
    }).then(function (response) {
      return response.text().then(function (text) {
        if (response.ok) {
          var version = response.headers.get("X-Handover-Version");
          if (version) form.elements["version"].value = version;
          if (lint) {
            // Keep the panel as the reader left it (open or closed).
            var before = document.getElementById("lint-details"), open = before ? before.open : true;
            lint.innerHTML = text;
            var after = document.getElementById("lint-details");
            if (after) after.open = open;
          }
          say("Saved at " + new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
          offer(null);
        } else {
          var box = document.createElement("div"); box.innerHTML = text;
          var buttons = box.querySelector(".seal-offers");
          if (buttons) buttons.remove();
          say("Not saved: " + box.textContent.trim());
          offer(buttons);
        }
      });
    }).catch(function () {
      say("Not saved: the server cannot be reached. Your text is still here.");
    }).then(function () {
      busy = false;
      if (again) { again = false; save(); }
    });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    say("Unsaved changes");
    timer = setTimeout(save, 1200);
  });
  var held = null;
  form.addEventListener("submit", function (event) {
    clearTimeout(timer);
    if (busy) {
      // An autosave is on its way: submit once it has answered, with the version it got back.
      event.preventDefault();
      held = { button: event.submitter || undefined };
      return;
    }
    leaving = true;
  });
  var settle = function () {
    if (held !== null && !busy) { var button = held.button; held = null; leaving = true; form.requestSubmit(button); }
  };
  setInterval(settle, 100);
})();

// A file input with data-fills="ID" reads the chosen text file into that textarea (the
// realignment's CSV). Its field is served hidden and shown here: the form posts text, so
// without this script one pastes the file instead.
(function () {
  var inputs = document.querySelectorAll("input[type=file][data-fills]");
  Array.prototype.forEach.call(inputs, function (input) {
    var target = document.getElementById(input.getAttribute("data-fills"));
    if (!target || !window.FileReader) return;
    var field = input.closest ? input.closest("[hidden]") : null;
    if (field) field.hidden = false;
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      var reader = new FileReader();
      reader.onload = function () { target.value = String(reader.result).replace(/^\uFEFF/, ""); };
      reader.readAsText(file);
    });
  });
})();
