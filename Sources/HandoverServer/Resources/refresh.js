// Live sections: a section with data-refresh="ms" is fetched again from its own page at that
// interval and swapped in place, until the page says it is no longer live (the import finished);
// then the whole page is loaded once, for what changed outside the section.
(function () {
  "use strict";
  var section = document.querySelector("[data-refresh]");
  if (!section || typeof fetch === "undefined" || typeof DOMParser === "undefined") return;
  var id = section.id;
  var interval = parseInt(section.getAttribute("data-refresh"), 10) || 2000;
  function tick() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html").getElementById(id);
        if (!next) return;
        if (!next.hasAttribute("data-refresh")) { window.location.reload(); return; }
        section.innerHTML = next.innerHTML;
        window.setTimeout(tick, interval);
      })
      .catch(function () { window.setTimeout(tick, interval * 2); });
  }
  window.setTimeout(tick, interval);
})();
