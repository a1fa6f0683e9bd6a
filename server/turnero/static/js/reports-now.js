/* The reports page's "Right now" panel: the branch room says when something changed
   (branch.state, a call); the panel then asks the server for the manager's view of the
   moment (GET /api/v1/branches/{branch}/now) and shows it as the server computed it.
   Also every 30 s, as waits grow with time alone. */
(function () {
  "use strict";
  var panel = document.querySelector(".now-panel");
  var source = document.getElementById("report-data");
  if (!panel || !source) return;
  var words = JSON.parse(source.textContent).now;
  var url = panel.getAttribute("data-now-url"), branch = panel.getAttribute("data-branch");
  var conn = panel.querySelector("[data-now-conn]");
  var pending = null, busy = false;

  function fmt(pattern, values) {
    return String(pattern).replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }
  function cell(tag, text, cls) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (cls) el.className = cls;
    if (tag === "th") el.scope = "row";
    return el;
  }
  function show(now) {
    panel.querySelector("[data-now-summary]").textContent = fmt(words.summary, now);
    var lines = panel.querySelector("[data-now-lines]");
    lines.textContent = "";
    now.services.forEach(function (s) {
      var row = document.createElement("tr");
      if (s.waiting && !s.serving) row.className = "warn";
      row.appendChild(cell("th", s.name));
      row.appendChild(cell("td", String(s.waiting), "num"));
      row.appendChild(cell("td", s.longest_wait_min === null ? "—" : fmt(words.minutes, {min: s.longest_wait_min}), "num"));
      row.appendChild(cell("td", s.serving ? String(s.serving) : words.no_one, "num"));
      lines.appendChild(row);
    });
    var desks = panel.querySelector("[data-now-desks]");
    desks.textContent = "";
    now.counters.forEach(function (c) {
      var li = document.createElement("li");
      li.className = "desk " + c.state;
      li.appendChild(cell("strong", c.name));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(cell("span", (words.states[c.state] || c.state) + (c.reason ? " · " + c.reason : ""), "desk-state"));
      if (c.agent) { li.appendChild(document.createTextNode(" ")); li.appendChild(cell("span", c.agent)); }
      if (c.ticket) { li.appendChild(document.createTextNode(" ")); li.appendChild(cell("span", c.ticket, "desk-ticket")); }
      desks.appendChild(li);
    });
    panel.setAttribute("data-now-at", now.at);
  }
  function refresh() {
    pending = null;
    if (busy) { later(); return; }
    busy = true;
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (now) { if (now) show(now); })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  function later() { if (!pending) pending = setTimeout(refresh, 700); }
  function state(live) {
    conn.textContent = live ? words.live : words.reconnecting;
    conn.className = "now-conn " + (live ? "is-live" : "is-off");
  }

  setInterval(refresh, 30000);
  if (!window.io) return;
  var socket = io({transports: ["websocket", "polling"], tryAllTransports: true});
  socket.on("connect", function () {
    socket.emit("subscribe", {branch: branch}, function (ack) {
      if (ack && ack.ok) { state(true); refresh(); }
    });
  });
  socket.on("disconnect", function () { state(false); });
  socket.on("branch.state", later);
  socket.on("ticket.called", later);
})();
