// vadesk client portal: drag and drop (SortableJS), live updates (server-sent events),
// partial refreshes (htmx). Everything here is optional: without JavaScript the page reads
// and its forms and buttons reorder.
(function () {
  "use strict";
  var dragging = false;
  var pending = false;

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function notice(text) {
    var box = document.getElementById("notice");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  function refresh() {
    var board = document.getElementById("board");
    if (!board || !window.htmx) return;
    if (dragging) { pending = true; return; }
    window.htmx.ajax("GET", "/board", { target: "#board", swap: "innerHTML" });
  }

  function move(item, from) {
    var list = item.parentElement;
    var next = item.nextElementSibling;
    var prev = item.previousElementSibling;
    var data = new FormData();
    data.append("csrf", csrf());
    data.append("version", item.dataset.version);
    data.append("lane_id", list.dataset.laneId);
    if (next) data.append("before_id", next.dataset.id);
    else if (prev) data.append("after_id", prev.dataset.id);
    else data.append("step", "top");
    fetch("/cards/" + item.dataset.id + "/move", {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf() }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        item.dataset.version = result.body.version;
        var hidden = item.querySelector('input[name="version"]');
        if (hidden) hidden.value = result.body.version;
        notice("");
      } else {
        notice(result.body.error || "That did not work; the page shows the tasks as they are now.");
      }
      refresh();
    }).catch(function () {
      notice("Could not reach the server; the page shows the tasks as they were.");
      refresh();
    });
  }

  function sortable() {
    if (!window.Sortable) return;
    document.querySelectorAll('ol.cards[data-movable="true"]').forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      window.Sortable.create(list, {
        group: "lanes",
        animation: 120,
        delay: 150,
        delayOnTouchOnly: true,
        filter: "button, select, input",
        preventOnFilter: false,
        onStart: function () { dragging = true; },
        onEnd: function (event) {
          dragging = false;
          if (event.from !== event.to || event.oldIndex !== event.newIndex) move(event.item, event.from);
          else if (pending) { pending = false; refresh(); }
        }
      });
    });
    document.querySelectorAll("button.to-lane").forEach(function (b) { b.hidden = false; });
  }

  function listen() {
    var board = document.getElementById("board");
    if (!board || !window.EventSource) return;
    var source = new EventSource(board.dataset.events);
    source.addEventListener("change", function () { refresh(); });
    source.addEventListener("bye", function () { source.close(); window.location.reload(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sortable();
    listen();
    document.body.addEventListener("htmx:afterSwap", function () { pending = false; sortable(); });
  });
})();
