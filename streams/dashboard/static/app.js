// wirewatch dashboard: keeps a server-rendered page current from its Server-Sent Events stream.
// The server sends HTML it rendered and escaped itself: an event named after a list
// ([data-live-list=KIND]) adds rows at the top, an event named after a panel
// ([data-live-panel=KIND]) replaces the panel. No framework, no build step.
(function () {
  "use strict";
  var body = document.body;
  var source = body.getAttribute("data-events");
  var status = document.getElementById("live-status");
  var paused = false;
  var held = [];

  function setStatus(state, text) {
    if (!status) return;
    status.setAttribute("data-state", state);
    status.textContent = text;
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  var recent = [];  // arrival times of the last rows, to tell a trickle from a flood

  function insertRows(list, html) {
    var rows = Array.prototype.slice.call(fragment(html).children);
    var keep = parseInt(list.getAttribute("data-max") || "200", 10);
    var now = Date.now();
    recent = recent.filter(function (at) { return now - at < 2000; });
    rows.forEach(function () { recent.push(now); });
    var highlight = recent.length <= 6;  // a flood of highlights would only cost paint time
    for (var i = rows.length - 1; i >= 0; i--) {  // rows arrive newest first
      var key = rows[i].getAttribute("data-key");
      if (key) {
        Array.prototype.forEach.call(list.children, function (old) {
          if (old.getAttribute("data-key") === key) list.removeChild(old);
        });
      }
      if (highlight) rows[i].classList.add("fresh");
      list.insertBefore(rows[i], list.firstChild);
    }
    while (list.children.length > keep) list.removeChild(list.lastChild);
    var count = document.querySelector("[data-count]");
    if (count) count.textContent = String(list.children.length);
    var empty = list.parentNode.querySelector("[data-empty]");
    if (empty) empty.parentNode.removeChild(empty);
  }

  function replacePanel(panel, html) {
    // keep keyboard focus where it was when the focused control survives the refresh
    var focused = document.activeElement && panel.contains(document.activeElement) ? document.activeElement : null;
    var href = focused && focused.getAttribute("href");
    panel.replaceChildren(fragment(html));
    if (href) {
      var again = panel.querySelector('[href="' + CSS.escape(href) + '"]');
      if (again) again.focus();
    }
  }

  function showPending() {
    var pending = document.querySelector("[data-pending]");
    if (pending) pending.textContent = held.length ? held.length + " update(s) waiting" : "";
  }

  function apply(kind, html) {
    var lists = document.querySelectorAll('[data-live-list="' + kind + '"]');
    var panels = document.querySelectorAll('[data-live-panel="' + kind + '"]');
    if (paused && lists.length) {
      held.push([kind, html]);
      showPending();
      return;
    }
    Array.prototype.forEach.call(lists, function (list) { insertRows(list, html); });
    Array.prototype.forEach.call(panels, function (panel) { replacePanel(panel, html); });
  }

  var pauseButton = document.querySelector("[data-pause]");
  if (pauseButton) {
    pauseButton.addEventListener("click", function () {
      paused = !paused;
      pauseButton.setAttribute("aria-pressed", String(paused));
      pauseButton.textContent = paused ? "Resume updates" : "Pause updates";
      setStatus(paused ? "paused" : "live", paused ? "paused" : "live");
      if (!paused) {
        var queued = held;
        held = [];
        queued.forEach(function (item) { apply(item[0], item[1]); });
      }
      showPending();
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  if (!source || !window.EventSource) return;
  var stream = new EventSource(source);
  stream.addEventListener("hello", function () { setStatus(paused ? "paused" : "live", paused ? "paused" : "live"); });
  stream.addEventListener("error", function () { setStatus("reconnecting", "reconnecting…"); });
  stream.addEventListener("reload", function () { window.location.reload(); });
  // Changes are applied together at most every FRAME_MS: each repaint of the page costs the
  // same whether it brings one row or ten, so a flood of articles costs a few repaints a second.
  var FRAME_MS = 400;
  var queued = [];
  var lastFlush = 0;
  var timer = null;
  function flush() {
    timer = null;
    lastFlush = Date.now();
    var batch = queued;
    queued = [];
    batch.forEach(function (item) { apply(item[0], item[1]); });
  }
  ["article", "alert", "deadletter", "rules", "health", "actors-hour", "actors-day", "stories-latest", "stories-largest"].forEach(function (kind) {
    stream.addEventListener(kind, function (event) {
      queued.push([kind, event.data]);
      if (!timer) timer = setTimeout(flush, Math.max(0, lastFlush + FRAME_MS - Date.now()));
    });
  });
})();
