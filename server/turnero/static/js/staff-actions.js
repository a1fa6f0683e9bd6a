/* The staff console's actions, by button or key: the counter's (call next, recall,
   start, finish, no-show, back to line, undo, open, close) and those asked in a dialog
   (transfer, call a chosen ticket, a walk-in at the desk, pause, new turns to a line). */
(function () {
  "use strict";
  var C = window.TurneroStaff;
  if (!C) return;
  var cfg = C.cfg, T = C.texts, branch = C.branch, $ = C.$;
  var fmt = C.fmt, el = C.el, api = C.api, say = C.say, failed = C.failed;
  var serviceName = C.serviceName, counterById = C.counterById, offerUndo = C.offerUndo, hideUndo = C.hideUndo;

  // ------------------------------------------------------------ actions

  var ACTIONS = {
    "call-next": function () {
      var before = C.current;  // the server finishes it first: that can be undone
      return api("POST", "/branches/" + branch + "/counters/" + C.counter.id + "/call-next").then(function (ticket) {
        C.current = ticket;
        if (ticket) C.historyOf = ticket;
        if (before) {
          offerUndo(before.id, ticket ? fmt(T.over_and_called, { done: before.code, code: ticket.code })
                                      : fmt(T.over_nobody, { done: before.code }));
        } else {
          say(ticket ? fmt(T.called, { code: ticket.code }) : T.nobody_called, ticket ? "ok" : null);
        }
      });
    },
    "undo": function () {
      if (!C.undoable) return null;
      var id = C.undoable;
      hideUndo();
      return api("POST", "/tickets/" + id + "/undo", { counter: C.counter.id }).then(function (body) {
        C.current = body.ticket;
        C.historyOf = body.ticket;
        say(body.returned ? fmt(T.undone_call, { code: body.ticket.code, next: body.returned.code })
                          : fmt(T.undone, { code: body.ticket.code }), "ok");
        C.loadNoShows();
      });
    },
    "recall": ticketAction("recall", "recalled"),
    "start": ticketAction("start", "started"),
    "done": ticketAction("done", "done", true, true),
    "no-show": ticketAction("no-show", "no_show", true, true),
    "requeue": ticketAction("requeue", "requeued", true),
    "transfer": function () { openTransfer(); return null; },
    "pause": function () { openPause(); return null; },
    "open": counterAction("open", "opened"),
    "close": counterAction("close", "closed"),
  };

  function ticketAction(path, message, finishes, undoable) {
    return function () {
      if (!C.current) return null;
      return api("POST", "/tickets/" + C.current.id + "/" + path).then(function (ticket) {
        if (undoable) offerUndo(ticket.id, fmt(T[message], { code: ticket.code }));
        else say(fmt(T[message], { code: ticket.code }), "ok");
        C.historyOf = ticket;
        C.current = finishes ? null : Object.assign({}, C.current, ticket);
      });
    };
  }

  function counterAction(path, message) {
    return function () {
      return api("POST", "/branches/" + branch + "/counters/" + C.counter.id + "/" + path).then(function (view) {
        C.counter = view;
        say(T[message], "ok");
        C.renderCounter();
      });
    };
  }

  function run(action) {
    var fn = ACTIONS[action];
    if (!fn || C.busy) return;
    var button = document.querySelector('[data-action="' + action + '"]');
    if (button && button.disabled) return;
    var pending = fn();
    if (!pending) return;
    C.busy = true;
    C.renderCurrent();
    pending.catch(failed).then(function () {
      C.busy = false;
      C.renderCurrent();
      C.renderWaiting();
      C.loadHistory();
    });
  }

  document.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () { run(button.dataset.action); });
  });

  // A dialog's request: the console is busy meanwhile; the dialog closes once it is
  // done and shows the server's reason when it is not; the console is drawn again
  // either way, and `reload` brings what the request changed.
  function submitDialog(dlg, errorId, request, done, reload) {
    if (C.busy) return;
    C.busy = true;
    request().then(function (result) {
      dlg.close();
      done(result);
    }, function (error) {
      $(errorId).textContent = fmt(T.error, { detail: error.message });
    }).then(function () {
      C.busy = false;
      C.renderCurrent();
      C.renderWaiting();
      reload();
    });
  }

  // ------------------------------------------------------------ transfer dialog

  var dialog = $("transfer-dialog");
  function openTransfer() {
    if (!C.current) return;
    $("transfer-code").textContent = C.current.code;
    $("transfer-error").textContent = "";
    dialog.querySelectorAll('input[name="target"]').forEach(function (r) { r.checked = false; });
    dialog.showModal();
    var first = dialog.querySelector('input[name="target"]');
    if (first) first.focus();
  }
  $("transfer-cancel").addEventListener("click", function () { dialog.close(); });
  $("transfer-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var chosen = dialog.querySelector('input[name="target"]:checked');
    if (!chosen) { $("transfer-error").textContent = T.choose_target; return; }
    if (!C.current || C.busy) return;
    var parts = chosen.value.split(":");
    var body = {};
    body[parts[0]] = parts[1];
    var target = parts[0] === "service" ? serviceName(parts[1]) : (counterById[parts[1]] || {}).name;
    var id = C.current.id;
    submitDialog(dialog, "transfer-error", function () {
      return api("POST", "/tickets/" + id + "/transfer", body);
    }, function (ticket) {
      say(fmt(T.transferred, { code: ticket.code, target: target }), "ok");
      C.historyOf = ticket;
      C.current = null;
    }, C.loadHistory);
  });

  // ------------------------------------------------------------ call a chosen ticket

  var callDialog = $("call-dialog"), chosen = null;
  function openCall(t) {
    if (C.busy || C.counter.state !== "open") return;
    chosen = t;
    $("call-code").textContent = t.code;
    $("call-error").textContent = "";
    $("call-reason").value = "";
    callDialog.showModal();
    $("call-reason").focus();
  }
  $("call-cancel").addEventListener("click", function () { callDialog.close(); });
  $("call-reason").addEventListener("input", function () { $("call-error").textContent = ""; });
  $("call-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var reason = $("call-reason").value.trim();
    if (!reason) { $("call-error").textContent = T.reason_needed; $("call-reason").focus(); return; }
    if (!chosen) return;
    var body = { ticket: chosen.id, reason: reason };
    submitDialog(callDialog, "call-error", function () {
      return api("POST", "/branches/" + branch + "/counters/" + C.counter.id + "/call", body);
    }, function (ticket) {
      C.current = ticket;
      C.historyOf = ticket;
      say(fmt(T.called, { code: ticket.code }), "ok");
    }, C.loadHistory);
  });

  // ------------------------------------------------------------ a walk-in at the desk

  var walkInDialog = $("walk-in-dialog");
  $("walk-in-open").addEventListener("click", function () {
    $("walk-in-error").textContent = "";
    $("walk-in-phone").value = "";
    $("walk-in-name").value = "";
    if ($("walk-in-priority")) $("walk-in-priority").value = "";
    walkInDialog.showModal();
    var first = walkInDialog.querySelector('input[name="walk-in-service"]:checked');
    if (first) first.focus();
  });
  $("walk-in-cancel").addEventListener("click", function () { walkInDialog.close(); });
  ["walk-in-phone", "walk-in-name"].forEach(function (id) {
    $(id).addEventListener("input", function () { $("walk-in-error").textContent = ""; });
  });
  $("walk-in-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var service = walkInDialog.querySelector('input[name="walk-in-service"]:checked');
    if (!service) return;
    var body = { service: service.value, channel: "staff", lang: cfg.lang };
    var phone = $("walk-in-phone").value.trim();
    var name = $("walk-in-name").value.trim();
    var priority = $("walk-in-priority") ? $("walk-in-priority").value : "";
    if (phone) body.phone = phone;
    if (name) body.name = name;
    if (priority) {
      body.priority = true;
      if (priority !== "yes") body.priority_class = parseInt(priority, 10);
    }
    $("walk-in-submit").disabled = true;
    api("POST", "/branches/" + branch + "/tickets", body).then(function (ticket) {
      walkInDialog.close();
      say(fmt(T.walk_in_given, { code: ticket.code }), "ok");
      return C.loadWaiting();
    }, function (error) {
      $("walk-in-error").textContent = fmt(T.error, { detail: error.message });
    }).then(function () { $("walk-in-submit").disabled = false; });
  });

  // ------------------------------------------------------------ pause, saying why

  var pauseDialog = $("pause-dialog");
  function openPause() {
    if (C.busy || C.counter.state !== "open") return;
    $("pause-error").textContent = "";
    pauseDialog.querySelectorAll('input[name="pause-reason"]').forEach(function (r) { r.checked = false; });
    $("pause-other").value = "";
    pauseDialog.showModal();
    var first = pauseDialog.querySelector('input[name="pause-reason"]');
    if (first) first.focus();
  }
  $("pause-cancel").addEventListener("click", function () { pauseDialog.close(); });
  pauseDialog.addEventListener("change", function () { $("pause-error").textContent = ""; });
  $("pause-other").addEventListener("input", function () {
    var other = pauseDialog.querySelector('input[value="other"]');
    if (other && this.value) other.checked = true;
  });
  $("pause-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var chosen = pauseDialog.querySelector('input[name="pause-reason"]:checked');
    var reason = chosen ? (chosen.value === "other" ? $("pause-other").value.trim() : chosen.value) : "";
    if (!reason) { $("pause-error").textContent = T.pause_reason_needed; return; }
    submitDialog(pauseDialog, "pause-error", function () {
      return api("POST", "/branches/" + branch + "/counters/" + C.counter.id + "/pause", { reason: reason });
    }, function (view) {
      C.counter = view;
      say(T.paused, "ok");
      C.renderCounter();
    }, C.loadCounters);
  });

  // ------------------------------------------------------------ new turns to each line (managers)

  var lineDialog = $("line-dialog"), lineChosen = null;
  function renderLines(services) {
    var list = $("lines-list");
    if (!list) return;
    list.textContent = "";
    services.forEach(function (s) {
      var li = el("li", "line-row");
      li.appendChild(el("span", "line-name", serviceName(s.id)));
      var state = s.joining || "open";
      li.appendChild(el("span", "pill pill-" + (state === "open" ? "open" : "paused"), T.joining[state] || state));
      if (state !== "closed") {
        var b = el("button", "btn btn-secondary btn-small");
        b.type = "button";
        b.textContent = state === "open" ? T.stop_turns : T.restart_turns;
        b.setAttribute("aria-label", b.textContent + " · " + serviceName(s.id));
        b.addEventListener("click", function () {
          if (state === "open") openLine(s); else setLine(s, { open: true });
        });
        li.appendChild(b);
      }
      if (state === "paused" && s.message) li.appendChild(el("span", "line-message", s.message));
      list.appendChild(li);
    });
  }
  function openLine(s) {
    lineChosen = s;
    $("line-name").textContent = serviceName(s.id);
    $("line-message").value = "";
    $("line-until").value = "";
    $("line-error").textContent = "";
    lineDialog.showModal();
    $("line-message").focus();
  }
  function setLine(s, body) {
    if (C.busy) return Promise.resolve();
    C.busy = true;
    return api("POST", "/branches/" + branch + "/services/" + s.id + "/joining", body).then(function () {
      say(fmt(body.open ? T.turns_restarted : T.turns_stopped, { service: serviceName(s.id) }), "ok");
      if (lineDialog.open) lineDialog.close();
    }, function (error) {
      if (lineDialog.open) $("line-error").textContent = fmt(T.error, { detail: error.message });
      else failed(error);
    }).then(function () { C.busy = false; });
  }
  if (lineDialog) {
    $("line-cancel").addEventListener("click", function () { lineDialog.close(); });
    $("line-form").addEventListener("submit", function (event) {
      event.preventDefault();
      if (!lineChosen) return;
      var message = $("line-message").value.trim();
      var until = $("line-until").value;  // HH:MM, today at the branch
      var today = new Intl.DateTimeFormat("en-CA", { timeZone: cfg.branch.timezone }).format(new Date());
      setLine(lineChosen, { open: false, message: message || null, until: until ? today + "T" + until : null });
    });
  }

  // ------------------------------------------------------------ keyboard

  var KEYS = { n: "call-next", r: "recall", s: "start", d: "done", x: "no-show", t: "transfer",
               b: "requeue", p: "pause", o: "open", u: "undo" };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (document.querySelector("dialog[open]")) return;  // a dialog's keys are its own
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) return;
    var action = KEYS[event.key.toLowerCase()];
    if (!action) return;
    event.preventDefault();
    run(action);
  });

  C.openCall = openCall;
  C.renderLines = renderLines;
})();
