import Foundation
import Hummingbird
import NIOCore

/// The stylesheet and the one small script. No framework: every page works without the script,
/// which only adds autosave and a live completeness panel to the editor.
enum Assets {
    static func response(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static let javascript = #"""
        // Autosave for the handover editor: saves a draft a moment after typing stops and refreshes
        // the completeness panel. Without this script the Save button does the same with a page load.
        (function () {
          var form = document.getElementById("editor");
          if (!form || !window.fetch) return;
          var status = document.getElementById("autosave-status");
          var lint = document.getElementById("lint");
          var timer = null, busy = false, again = false, leaving = false;
          function say(text) { if (status) status.textContent = text; }
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
                  if (lint) lint.innerHTML = text;
                  say("Saved at " + new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
                } else {
                  var box = document.createElement("div"); box.innerHTML = text;
                  say("Not saved: " + box.textContent.trim());
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
        """#

    static let css = #"""
        :root {
          --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --paper: #ffffff; --wash: #f6f8fa;
          --accent: #0b5cad; --accent-ink: #ffffff; --ok: #1a7f37; --warn: #9a6700; --bad: #b42318; --focus: #f2b400;
          font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--wash);
          line-height: 1.5;
        }
        * { box-sizing: border-box; }
        body { margin: 0; }
        a { color: var(--accent); }
        :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
        .skip { position: absolute; left: -999px; top: 0; background: var(--paper); padding: .5rem; }
        .skip:focus { left: .5rem; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .6rem 1.25rem;
          background: var(--ink); color: #fff; }
        header.top a { color: #fff; text-decoration: none; }
        .brand { font-weight: 700; font-size: 1.1rem; }
        nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; flex: 1; }
        nav a { padding: .2rem 0; border-bottom: 2px solid transparent; }
        nav a[aria-current="page"], nav a:hover { border-bottom-color: #fff; }
        #sign-out { display: flex; gap: .5rem; align-items: center; margin: 0; }
        .who { color: #d0d7de; font-size: .9rem; }
        main { max-width: 72rem; margin: 0 auto; padding: 1.25rem; }
        h1 { font-size: 1.6rem; margin: .25rem 0 .75rem; }
        h2 { font-size: 1.15rem; margin: 1.25rem 0 .5rem; }
        h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
        .lead { font-size: 1.05rem; color: var(--muted); max-width: 48rem; }
        .meta, .guidance, .hint { color: var(--muted); font-size: .9rem; }
        .guidance { margin: .1rem 0 .4rem; max-width: 48rem; }
        .prose { white-space: pre-wrap; overflow-wrap: anywhere; }
        .empty { color: var(--muted); font-style: italic; }
        .narrow { max-width: 26rem; margin: 2rem auto; }
        .card { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; }
        .card.warn { border-left: 4px solid var(--warn); }
        .card.success { border-left: 4px solid var(--ok); }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 20rem), 1fr)); gap: 0 1.5rem; }
        .grid > section { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 0 1rem 1rem; margin-bottom: 1rem; }
        .field { margin: .75rem 0; }
        label, .label, legend { display: block; font-weight: 600; margin-bottom: .2rem; }
        input[type=text], input[type=email], input[type=password], input[type=search], input[type=date], input[type=tel], select, textarea {
          width: 100%; max-width: 100%; font: inherit; padding: .45rem .55rem; border: 1px solid #8c959f; border-radius: 6px; background: #fff; color: var(--ink);
        }
        textarea.code { font-family: ui-monospace, monospace; font-size: .85rem; }
        input[type=checkbox] { width: 1.1rem; height: 1.1rem; margin-right: .4rem; vertical-align: middle; }
        button, .button { display: inline-block; font: inherit; font-weight: 600; padding: .5rem 1rem; border-radius: 6px; border: 1px solid var(--accent);
          background: var(--accent); color: var(--accent-ink); cursor: pointer; text-decoration: none; }
        button.secondary, .button.secondary { background: #fff; color: var(--accent); }
        button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
        button.link { background: none; border: none; padding: 0; color: inherit; text-decoration: underline; font-weight: 400; }
        button.link.danger { color: var(--bad); }
        header.top button.link { color: #fff; }
        form.inline { display: inline; }
        .required { font-weight: 400; font-size: .8rem; color: var(--bad); margin-left: .35rem; }
        fieldset { border: none; padding: 0; margin: 0; min-width: 0; }
        fieldset.row { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 9rem), 1fr)); gap: .4rem .6rem;
          padding: .5rem; margin: .4rem 0; background: var(--wash); border-radius: 6px; }
        .cell label { font-weight: 400; font-size: .8rem; color: var(--muted); }
        .checklist ul, .checks { list-style: none; padding: 0; }
        .checklist li { display: flex; align-items: flex-start; gap: .2rem; margin: .3rem 0; }
        .checklist li label { display: inline; font-weight: 400; }
        .checks li.done { color: var(--ok); } .checks li.open { color: var(--bad); }
        .editor-layout { display: grid; grid-template-columns: minmax(0, 1fr) 18rem; gap: 1.25rem; align-items: start; }
        #lint { position: sticky; top: 1rem; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 0 1rem 1rem; }
        .score { font-size: 2rem; font-weight: 700; margin: .25rem 0; } .out-of { font-size: 1rem; color: var(--muted); }
        meter { width: 100%; height: 1rem; }
        .findings { padding-left: 1rem; font-size: .9rem; } .finding { margin: .35rem 0; overflow-wrap: anywhere; }
        .severity { font-size: .75rem; text-transform: uppercase; font-weight: 700; }
        .finding.error .severity { color: var(--bad); } .finding.warning .severity { color: var(--warn); }
        .clean { color: var(--ok); font-weight: 600; }
        .sticky-actions { position: sticky; bottom: 0; background: var(--wash); padding: .75rem 0; display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        #flash { background: #dafbe1; border: 1px solid #aceebb; padding: .6rem .9rem; border-radius: 6px; }
        #errors { background: #ffebe9; border: 1px solid #ffcecb; padding: .6rem .9rem; border-radius: 6px; margin: 1rem 0; }
        #errors p { margin: 0 0 .25rem; font-weight: 600; }
        .state { display: inline-block; font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .03em;
          padding: .1rem .45rem; border-radius: 999px; background: #eaeef2; color: var(--ink); }
        .state-submitted, .state-acknowledged { background: #ddf4ff; color: #0a3069; }
        .state-returned { background: #fff8c5; color: #4d2d00; }
        .state-completed, .state-verified, .state-closed { background: #dafbe1; color: #044f1e; }
        .state-cancelled { background: #ffebe9; color: #82071e; }
        .list { padding-left: 1.1rem; } .list li { margin: .4rem 0; }
        .timeline { padding-left: 1.1rem; } .timeline li { margin: .3rem 0; }
        .thread { list-style: none; padding: 0; } .question { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: .25rem .9rem; margin: .5rem 0; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; background: var(--paper); }
        th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        .filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 11rem), 1fr)); gap: 0 .75rem; align-items: end; }
        .filters button { margin-bottom: .75rem; }
        .tag { display: inline-block; font-size: .8rem; background: #eaeef2; color: var(--ink); border-radius: 4px; padding: 0 .4rem; margin: 0 .2rem .2rem 0; text-decoration: none; }
        .overdue { color: var(--bad); font-weight: 600; }
        .breadcrumb { margin: 0; font-size: .9rem; }
        .actions .card h2 { margin-top: 0; }
        details.danger { margin: 1rem 0; } details.danger summary { color: var(--bad); cursor: pointer; }
        .packet-section { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 0 1rem .5rem; margin: .75rem 0; }
        .read-field h4 { margin: .75rem 0 .15rem; font-size: .9rem; color: var(--muted); }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dl.facts dd { margin: 0; }
        code { overflow-wrap: anywhere; }
        pre.wrap { white-space: pre-wrap; overflow-wrap: anywhere; }
        @media (max-width: 50rem) {
          .editor-layout { grid-template-columns: 1fr; }
          #lint { position: static; order: -1; }
          main { padding: .75rem; }
          header.top { padding: .5rem .75rem; }
        }
        @media print {
          header.top, .no-print, .skip, form, details, #lint { display: none !important; }
          body, :root { background: #fff; }
          main { max-width: none; padding: 0; }
          .packet-section, .card, .grid > section { border: none; padding: 0; break-inside: avoid-page; }
          a { color: inherit; text-decoration: none; }
          h2 { break-after: avoid-page; }
        }
        """#
}
