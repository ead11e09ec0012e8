"use strict";
// The live thread (ThreadStream.swift): the server sends the thread's messages, rendered as on the
// page, when it changes; they replace the list. Without this script (or EventSource) a reload
// shows new messages. A screen reader hears how many arrived, not the whole list again.
(function () {
  const thread = document.getElementById("thread");
  const messages = document.getElementById("thread-messages");
  if (!thread || !messages || !thread.dataset.live || !window.EventSource) return;
  const news = document.getElementById("thread-news");
  const count = () => messages.querySelectorAll("li.question").length;
  const source = new EventSource(thread.dataset.live);
  source.addEventListener("thread", (event) => {
    const before = count();
    messages.innerHTML = event.data;
    const added = count() - before;
    if (added > 0 && news) news.textContent = added === 1 ? "1 new message in the thread." : `${added} new messages in the thread.`;
  });
  // EventSource connects again by itself after a dropped stream (the server says after how long).
  window.addEventListener("pagehide", () => source.close());
})();
