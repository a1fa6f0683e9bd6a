/* Turnero staff console. Every action goes through the JSON API with the session
   cookie and the page's CSRF token; the branch is followed over Socket.IO. The
   server computes what is shown (order, positions, estimates); this file only
   renders it and formats times. */
(function () {
  "use strict";

  var cfgNode = document.getElementById("console-config");
  if (!cfgNode) return;
  var cfg = JSON.parse(cfgNode.textContent);
  var T = cfg.texts;
  var branch = cfg.branch.slug;
  var counter = cfg.counter;            // {id, name, state, services}
  var current = cfg.current;            // the ticket at this counter, or null
  var historyOf = current;              // the ticket whose history is shown
  var waiting = [];
  var lastSeq = -1;
  var busy = false;
  var clockSkewMs = 0;                  // server clock minus browser clock (from the Date header)
  var serviceById = {};
  cfg.services.forEach(function (s) { serviceById[s.id] = s; });
  var counterById = {};
  cfg.counters.forEach(function (c) { counterById[c.id] = c; });
  var classNames = {};
  (cfg.priority_classes || []).forEach(function (c) { classNames[c.id] = c.name; });

  var $ = function (id) { return document.getElementById(id); };
  var timeFmt = new Intl.DateTimeFormat(cfg.lang, { hour: "2-digit", minute: "2-digit", timeZone: cfg.branch.timezone });

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key] != null ? values[key] : ""; });
  }
  function clock(iso) { return iso ? timeFmt.format(new Date(iso)) : ""; }
  function minutesSince(iso) {
    var ms = Date.now() + clockSkewMs - new Date(iso).getTime();
    return Math.max(0, Math.floor(ms / 60000));
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }
  function channelIcon(channel) {
    var wrap = el("span", "channel channel-" + channel);
    var label = T.channels[channel] || channel;
    wrap.title = label;
    var svgNS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    var use = document.createElementNS(svgNS, "use");
    use.setAttribute("href", "#ch-" + channel);
    svg.appendChild(use);
    wrap.appendChild(svg);
    wrap.appendChild(el("span", "channel-label", label));
    return wrap;
  }
  function serviceName(slug) { return serviceById[slug] ? serviceById[slug].name : slug; }

  // ------------------------------------------------------------ talking to the API

  function api(method, path, body) {
    var headers = { "Accept": "application/json", "X-CSRFToken": cfg.csrf, "Accept-Language": cfg.lang };
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(cfg.api + path, init).then(function (response) {
      var date = response.headers.get("Date");
      if (date) clockSkewMs = new Date(date).getTime() - Date.now();
      if (response.status === 204) return null;
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.detail || data.title || String(response.status));
          error.status = response.status;
          throw error;
        }
        return data;
      });
    }, function () { throw new Error(T.network); });
  }

  var toastTimer = null;
  function say(message, kind) {
    var toast = $("toast");
    toast.textContent = message;
    toast.className = "toast is-visible" + (kind ? " toast-" + kind : "");
    if (undoable) hideUndo();
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.className = "toast"; }, kind === "error" ? 9000 : 4000);
  }
  function failed(error) { say(fmt(T.error, { detail: error.message }), "error"); }

  // A finish or a no-show (by its button, or by "Call next" over a ticket still at the
  // counter) can be taken back for a few seconds: the toast offers "Undo".
  var undoable = null, undoTimer = null;
  function offerUndo(ticketId, message) {
    undoable = ticketId;
    clearTimeout(toastTimer);
    $("toast").className = "toast";
    $("undo-text").textContent = message;
    var bar = $("undo-time");
    bar.style.animation = "none";
    void bar.offsetWidth;  // restart the countdown bar
    bar.style.animation = "undo-countdown " + cfg.undo_seconds + "s linear forwards";
    $("undo-toast").className = "toast toast-undo is-visible";
    clearTimeout(undoTimer);
    undoTimer = setTimeout(hideUndo, cfg.undo_seconds * 1000);
  }
  function hideUndo() {
    undoable = null;
    clearTimeout(undoTimer);
    $("undo-toast").className = "toast toast-undo";
  }

  // ------------------------------------------------------------ rendering

  function renderCounter() {
    var pill = $("counter-state");
    pill.className = "pill pill-" + counter.state;
    pill.textContent = T.counter_states[counter.state] || counter.state;
    var banner = $("closed-banner");
    banner.hidden = counter.state === "open";
    $("closed-text").textContent = counter.state === "paused" ? T.paused : T.closed;
    var pause = document.querySelector('[data-action="pause"]');
    pause.hidden = counter.state !== "open";
  }

  function renderCurrent() {
    var has = !!current;
    $("current-empty").hidden = has;
    $("current-ticket").hidden = !has;
    if (has) {
      $("current-code").textContent = current.code;
      var status = $("current-status");
      status.className = "pill pill-" + current.status;
      status.textContent = T.status[current.status] || current.status;
      var svc = serviceById[current.service];
      $("current-swatch").style.setProperty("--swatch", svc ? svc.color : "#888");
      $("current-service").textContent = serviceName(current.service);
      var ch = $("current-channel");
      ch.textContent = "";
      ch.appendChild(channelIcon(current.channel));
      $("current-created").textContent = clock(current.created_at) + " · " +
        fmt(T.minutes, { n: minutesSince(current.created_at) });
      var who = [current.name, current.phone].filter(Boolean).join(" · ");
      $("current-customer-row").hidden = !who;
      $("current-customer").textContent = who;
      var flags = $("current-flags");
      flags.textContent = "";
      if (current.priority) flags.appendChild(el("span", "badge badge-priority", T.priority));
      if (current.recalls > 0) flags.appendChild(el("span", "badge", T.events.recalled + " ×" + current.recalls));
    }
    var status = has ? current.status : null;
    var open = counter.state === "open";
    setEnabled("call-next", open);
    setEnabled("recall", status === "called");
    setEnabled("start", status === "called");
    setEnabled("done", status === "called" || status === "serving");
    setEnabled("no-show", status === "called");
    setEnabled("transfer", status === "called" || status === "serving");
    setEnabled("requeue", status === "called");
    setEnabled("pause", open);
  }

  function setEnabled(action, enabled) {
    document.querySelectorAll('[data-action="' + action + '"]').forEach(function (b) {
      b.disabled = !enabled || busy;
    });
  }

  function mineToCall(ticket) {
    if (ticket.target_counter) return ticket.target_counter === counter.id;
    return counter.services.indexOf(ticket.service) !== -1;
  }

  // The search box: a code ("a12", "A012") or a phone's digits (at least three).
  function matchesSearch(ticket) {
    var query = ($("waiting-search").value || "").trim().toLowerCase();
    if (!query) return true;
    var digits = query.replace(/\D/g, "");
    if ((ticket.code || "").toLowerCase().indexOf(query.replace(/\s/g, "")) !== -1) return true;
    var code = (ticket.code || "").toLowerCase().match(/^([a-z]+)0*(\d+)$/);
    var asked = query.match(/^([a-z]+)\s*0*(\d+)$/);
    if (code && asked && code[1] === asked[1] && code[2] === asked[2]) return true;
    return digits.length >= 3 && (ticket.phone || "").replace(/\D/g, "").indexOf(digits) !== -1;
  }

  function renderWaiting() {
    var list = $("waiting-list");
    list.textContent = "";
    var all = waiting.filter(mineToCall);
    var mine = all.filter(matchesSearch);
    $("waiting-none-found").hidden = !(all.length > 0 && mine.length === 0);
    if (historyOf && historyOf.status === "waiting") {
      // The chosen ticket as the server now has it (its priority), or no longer waiting.
      var fresh = waiting.filter(function (t) { return t.id === historyOf.id; })[0];
      historyOf = fresh || Object.assign({}, historyOf, { status: "left" });
    }
    renderPriorityToggle();
    $("waiting-count").textContent = all.length;
    $("waiting-empty").hidden = all.length > 0;
    mine.forEach(function (t) {
      var li = el("li", "waiting-item");
      var button = el("button", "waiting-row");
      button.type = "button";
      button.dataset.ticket = t.id;
      button.setAttribute("aria-pressed", historyOf && historyOf.id === t.id ? "true" : "false");
      var svc = serviceById[t.service];
      var code = el("span", "waiting-code", t.code);
      code.style.setProperty("--swatch", svc ? svc.color : "#888");
      button.appendChild(code);
      var middle = el("span", "waiting-main");
      middle.appendChild(el("span", "waiting-service", serviceName(t.service)));
      var meta = el("span", "waiting-meta");
      meta.appendChild(channelIcon(t.channel));
      if (t.priority) meta.appendChild(el("span", "badge badge-priority", classNames[t.priority_class] || T.priority));
      if (t.target_counter) meta.appendChild(el("span", "badge badge-for-you", T.for_you));
      middle.appendChild(meta);
      button.appendChild(middle);
      var time = el("span", "waiting-time");
      time.appendChild(el("strong", null, fmt(T.minutes, { n: minutesSince(t.created_at) })));
      time.appendChild(el("span", null, fmt(T.since, { time: clock(t.created_at) })));
      button.appendChild(time);
      button.addEventListener("click", function () { showHistory(t); });
      li.appendChild(button);
      // Call this one out of turn (the customer at the door), saying why.
      var call = el("button", "btn btn-secondary btn-small waiting-call");
      call.type = "button";
      call.textContent = T.call;
      call.setAttribute("aria-label", fmt(T.call_code, { code: t.code }));
      call.disabled = busy || counter.state !== "open";
      call.addEventListener("click", function () { openCall(t); });
      li.appendChild(call);
      list.appendChild(li);
    });
  }

  function renderCalls(calling) {
    var list = $("calls-list");
    list.textContent = "";
    $("calls-empty").hidden = calling.length > 0;
    calling.slice(0, 6).forEach(function (c) {
      var li = el("li", "call" + (c.counter && c.counter.id === counter.id ? " call-mine" : ""));
      li.appendChild(el("span", "call-code", c.code));
      li.appendChild(el("span", "call-counter", c.counter ? c.counter.name : ""));
      li.appendChild(el("span", "call-time", clock(c.called_at) + (c.recall ? " · " + T.events.recalled : "")));
      list.appendChild(li);
    });
  }

  // Managers: today's ratings of 1 or 2, newest first; each new one arrives live.
  var lowRatings = cfg.low_ratings || [];
  function renderRatings() {
    var list = $("ratings-list");
    if (!list) return;
    list.textContent = "";
    $("ratings-empty").hidden = lowRatings.length > 0;
    lowRatings.forEach(function (r) {
      var li = el("li", "rating");
      li.appendChild(el("span", "rating-score", fmt(T.score, { score: r.score })));
      li.appendChild(el("span", "rating-code", r.code));
      var names = r.service_names || {};
      li.appendChild(el("span", "rating-where", (names[cfg.lang] || r.service) + (r.counter ? " · " + r.counter : "") +
                                               " · " + clock(r.at)));
      if (r.comment) li.appendChild(el("q", "rating-comment", r.comment));
      list.appendChild(li);
    });
  }

  // Priority is given or taken away from a waiting ticket chosen in the list.
  function renderPriorityToggle() {
    var button = $("priority-toggle");
    if (!button) return;
    var chosen = historyOf && historyOf.status === "waiting" ? historyOf : null;
    button.hidden = !chosen;
    var kind = $("priority-class");
    if (kind) kind.hidden = !chosen || chosen.priority;
    if (!chosen) return;
    var label = chosen.priority ? T.remove_priority : T.grant_priority;
    $("priority-toggle-label").textContent = label;
    button.setAttribute("aria-label", label + " · " + chosen.code);
    button.setAttribute("aria-pressed", chosen.priority ? "true" : "false");
  }

  function togglePriority() {
    if (!historyOf || historyOf.status !== "waiting" || busy) return;
    var chosen = historyOf;
    var body = { priority: !chosen.priority };
    var kind = $("priority-class");
    if (body.priority && kind && kind.value) body.priority_class = parseInt(kind.value, 10);
    busy = true;
    api("POST", "/tickets/" + chosen.id + "/priority", body).then(function (ticket) {
      say(fmt(ticket.priority ? T.priority_granted : T.priority_removed, { code: ticket.code }), "ok");
      if (historyOf && historyOf.id === chosen.id) historyOf = Object.assign({}, chosen, { priority: ticket.priority });
    }, failed).then(function () {
      busy = false;
      renderPriorityToggle();
      return Promise.all([loadWaiting(), loadHistory()]);
    });
  }
  if ($("priority-toggle")) $("priority-toggle").addEventListener("click", togglePriority);

  function showHistory(ticket) {
    historyOf = ticket;
    document.querySelectorAll(".waiting-row").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.ticket === (ticket && ticket.id) ? "true" : "false");
    });
    loadHistory();
  }

  function loadHistory() {
    renderPriorityToggle();
    var list = $("history-list");
    var title = $("history-title");
    if (!historyOf) {
      list.textContent = "";
      $("history-empty").hidden = false;
      title.textContent = title.dataset.plain || title.textContent;
      return loadMessages();
    }
    title.dataset.plain = title.dataset.plain || title.textContent;
    title.textContent = fmt(T.history_of, { code: historyOf.code });
    var id = historyOf.id;
    return api("GET", "/tickets/" + id + "/events").then(function (events) {
      if (!historyOf || historyOf.id !== id) return;
      list.textContent = "";
      $("history-empty").hidden = true;
      events.forEach(function (e) {
        var kind = e.kind === "priority" ? (e.data && e.data.priority ? "priority_on" : "priority_off") : e.kind;
        var li = el("li", "event event-" + kind);
        li.appendChild(el("span", "event-time", clock(e.at)));
        var body = el("span", "event-body");
        body.appendChild(el("strong", null, T.events[kind] || kind));
        var details = [];
        if (e.counter && counterById[e.counter]) details.push(counterById[e.counter].name);
        if (e.data && e.data.to_service) details.push("→ " + serviceName(e.data.to_service));
        if (e.data && e.data.to_counter) details.push("→ " + (counterById[e.data.to_counter] || { name: e.data.to_counter }).name);
        if (e.data && e.data.score) details.push("★ " + e.data.score);
        if (e.data && e.data.reason) details.push(fmt(T.out_of_turn, { reason: e.data.reason }));
        if (e.kind === "undone" && e.data && e.data.undid) details.push(T.events[e.data.undid] || e.data.undid);
        if (e.user) details.push(e.user);
        if (details.length) body.appendChild(el("span", "event-details", details.join(" · ")));
        li.appendChild(body);
        if (e.channel) li.appendChild(channelIcon(e.channel));
        list.appendChild(li);
      });
    }).catch(failed).then(loadMessages).then(loadCustomer);
  }

  // The customer of the chosen ticket (when a phone is on record): their earlier
  // visits at every branch, and the note staff keep about them.
  var customerShown = null;
  function loadCustomer() {
    var box = $("customer-box");
    var id = historyOf && historyOf.customer;
    if (!box) return;
    if (!id) { box.hidden = true; customerShown = null; return; }
    return api("GET", "/customers/" + id).then(function (c) {
      if (!historyOf || historyOf.customer !== id) return;
      customerShown = c;
      box.hidden = false;
      $("customer-phone").textContent = c.phone + (c.name ? " · " + c.name : "");
      $("customer-counts").textContent = fmt(T.customer_counts, {
        visits: c.visits, appointments: c.appointments.length, texts: c.messages_sent + c.messages_received });
      var list = $("customer-visits");
      list.textContent = "";
      c.tickets.filter(function (t) { return t.id !== historyOf.id; }).slice(0, 5).forEach(function (t) {
        var li = el("li", "visit");
        li.appendChild(el("span", "visit-date", t.date));
        li.appendChild(el("span", "visit-what", t.code + " · " + t.branch_name + " · " + t.service_name));
        li.appendChild(el("span", "visit-status", (T.status[t.status] || t.status) + (t.feedback ? " · ★ " + t.feedback : "")));
        list.appendChild(li);
      });
      $("customer-note").value = c.note || "";
      showChannel(c);
    }).catch(function (error) { box.hidden = true; if (error.status !== 404) failed(error); });
  }
  // Where this turn's messages go (its own choice, made with a typed number, else the
  // customer's), and one tap to send the customer's the other way.
  function showChannel(c) {
    var row = $("customer-channel-row");
    if (!row) return;
    var chosen = (historyOf && historyOf.notify_by) || c.channel;
    var byWhatsapp = chosen === "whatsapp" || (!chosen && historyOf && historyOf.channel === "whatsapp");
    row.hidden = !cfg.whatsapp || c.opted_out;
    $("customer-channel").textContent = byWhatsapp ? T.alerts_by_whatsapp : T.alerts_by_sms;
    var button = $("customer-channel-switch");
    button.textContent = byWhatsapp ? T.switch_to_sms : T.switch_to_whatsapp;
    button.dataset.channel = byWhatsapp ? "sms" : "whatsapp";
  }
  var channelSwitch = $("customer-channel-switch");
  if (channelSwitch) channelSwitch.addEventListener("click", function () {
    if (!customerShown) return;
    var chosen = channelSwitch.dataset.channel;
    api("PUT", "/customers/" + customerShown.id + "/channel", { channel: chosen })
      .then(function (c) {
        customerShown.channel = c.channel;
        // The customer's choice replaced the one made for their turns still to come.
        if (historyOf && historyOf.customer === c.id) historyOf = Object.assign({}, historyOf, { notify_by: null });
        showChannel(c);
        say(fmt(T.channel_saved, { channel: chosen === "whatsapp" ? "WhatsApp" : "SMS" }), "ok");
      }).catch(failed);
  });
  var noteForm = $("note-form");
  if (noteForm) noteForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!customerShown) return;
    api("PUT", "/customers/" + customerShown.id + "/note", { note: $("customer-note").value })
      .then(function (c) { customerShown.note = c.note; say(T.note_saved, "ok"); }).catch(failed);
  });

  // The texts, WhatsApp messages and calls of the ticket whose history is shown,
  // oldest first, as the server lists them.
  function loadMessages() {
    var list = $("messages-list");
    var empty = $("messages-empty");
    var title = $("messages-title");
    title.dataset.plain = title.dataset.plain || title.textContent;
    if (!historyOf) {
      list.textContent = "";
      empty.textContent = T.no_messages_chosen;
      empty.hidden = false;
      title.textContent = title.dataset.plain;
      return Promise.resolve();
    }
    title.textContent = fmt(T.messages_of, { code: historyOf.code });
    var id = historyOf.id;
    return api("GET", "/tickets/" + id + "/messages").then(function (messages) {
      if (!historyOf || historyOf.id !== id) return;
      list.textContent = "";
      empty.textContent = T.no_messages;
      empty.hidden = messages.length > 0;
      messages.forEach(function (m) {
        var li = el("li", "message message-" + m.direction);
        li.appendChild(el("span", "event-time", clock(m.at)));
        var body = el("div", "message-body");
        var head = el("div", "message-head");
        var arrow = el("span", "message-arrow", m.direction === "in" ? "↘" : "↗");
        arrow.setAttribute("aria-hidden", "true");
        head.appendChild(arrow);
        head.appendChild(el("strong", "message-direction", T.directions[m.direction] || m.direction));
        head.appendChild(channelIcon(m.channel));
        if (m.direction === "out") {
          head.appendChild(el("span", "pill pill-msg-" + m.status, T.message_status[m.status] || m.status));
        }
        body.appendChild(head);
        body.appendChild(el("p", "message-text", m.body));
        if (m.direction === "out" && m.status === "failed" && m.error) {
          body.appendChild(el("span", "event-details", m.error));
        }
        li.appendChild(body);
        list.appendChild(li);
      });
    }).catch(failed);
  }

  // ------------------------------------------------------------ reading the server

  function loadWaiting() {
    return api("GET", "/branches/" + branch + "/tickets?status=waiting").then(function (tickets) {
      waiting = tickets;
      renderWaiting();
    }).catch(failed);
  }

  function refreshCurrent() {
    if (!current) return Promise.resolve();
    var mine = current;
    return api("GET", "/tickets/" + encodeURIComponent(mine.token)).then(function (fresh) {
      if (current !== mine) return;
      var stillHere = (fresh.status === "called" || fresh.status === "serving") &&
        fresh.counter && fresh.counter.id === counter.id;
      if (stillHere) {
        current = Object.assign({}, mine, fresh, { name: mine.name, phone: mine.phone, token: mine.token });
      } else {
        current = null;
      }
      renderCurrent();
      if (historyOf && historyOf.id === mine.id) loadHistory();
    }).catch(function () { /* the next event tries again */ });
  }

  // ------------------------------------------------------------ actions

  var ACTIONS = {
    "call-next": function () {
      var before = current;  // the server finishes it first: that can be undone
      return api("POST", "/branches/" + branch + "/counters/" + counter.id + "/call-next").then(function (ticket) {
        current = ticket;
        if (ticket) historyOf = ticket;
        if (before) {
          offerUndo(before.id, ticket ? fmt(T.over_and_called, { done: before.code, code: ticket.code })
                                      : fmt(T.over_nobody, { done: before.code }));
        } else {
          say(ticket ? fmt(T.called, { code: ticket.code }) : T.nobody_called, ticket ? "ok" : null);
        }
      });
    },
    "undo": function () {
      if (!undoable) return null;
      var id = undoable;
      hideUndo();
      return api("POST", "/tickets/" + id + "/undo", { counter: counter.id }).then(function (body) {
        current = body.ticket;
        historyOf = body.ticket;
        say(body.returned ? fmt(T.undone_call, { code: body.ticket.code, next: body.returned.code })
                          : fmt(T.undone, { code: body.ticket.code }), "ok");
        loadNoShows();
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
      if (!current) return null;
      return api("POST", "/tickets/" + current.id + "/" + path).then(function (ticket) {
        if (undoable) offerUndo(ticket.id, fmt(T[message], { code: ticket.code }));
        else say(fmt(T[message], { code: ticket.code }), "ok");
        historyOf = ticket;
        current = finishes ? null : Object.assign({}, current, ticket);
      });
    };
  }

  function counterAction(path, message) {
    return function () {
      return api("POST", "/branches/" + branch + "/counters/" + counter.id + "/" + path).then(function (view) {
        counter = view;
        say(T[message], "ok");
        renderCounter();
      });
    };
  }

  function run(action) {
    var fn = ACTIONS[action];
    if (!fn || busy) return;
    var button = document.querySelector('[data-action="' + action + '"]');
    if (button && button.disabled) return;
    var pending = fn();
    if (!pending) return;
    busy = true;
    renderCurrent();
    pending.catch(failed).then(function () {
      busy = false;
      renderCurrent();
      renderWaiting();
      loadHistory();
    });
  }

  document.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () { run(button.dataset.action); });
  });

  // ------------------------------------------------------------ transfer dialog

  var dialog = $("transfer-dialog");
  function openTransfer() {
    if (!current) return;
    $("transfer-code").textContent = current.code;
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
    if (!current || busy) return;
    var parts = chosen.value.split(":");
    var body = {};
    body[parts[0]] = parts[1];
    var target = parts[0] === "service" ? serviceName(parts[1]) : (counterById[parts[1]] || {}).name;
    busy = true;
    api("POST", "/tickets/" + current.id + "/transfer", body).then(function (ticket) {
      dialog.close();
      say(fmt(T.transferred, { code: ticket.code, target: target }), "ok");
      historyOf = ticket;
      current = null;
    }, function (error) {
      $("transfer-error").textContent = fmt(T.error, { detail: error.message });
    }).then(function () {
      busy = false;
      renderCurrent();
      renderWaiting();
      loadHistory();
    });
  });

  // ------------------------------------------------------------ call a chosen ticket

  var callDialog = $("call-dialog"), chosen = null;
  function openCall(t) {
    if (busy || counter.state !== "open") return;
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
    if (!chosen || busy) return;
    busy = true;
    api("POST", "/branches/" + branch + "/counters/" + counter.id + "/call", { ticket: chosen.id, reason: reason })
      .then(function (ticket) {
        callDialog.close();
        current = ticket;
        historyOf = ticket;
        say(fmt(T.called, { code: ticket.code }), "ok");
      }, function (error) {
        $("call-error").textContent = fmt(T.error, { detail: error.message });
      }).then(function () {
        busy = false;
        renderCurrent();
        renderWaiting();
        loadHistory();
      });
  });

  // ------------------------------------------------------------ a walk-in at the desk

  $("waiting-search").addEventListener("input", function () { renderWaiting(); });
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
      return loadWaiting();
    }, function (error) {
      $("walk-in-error").textContent = fmt(T.error, { detail: error.message });
    }).then(function () { $("walk-in-submit").disabled = false; });
  });

  // ------------------------------------------------------------ pause, saying why

  var pauseDialog = $("pause-dialog");
  function openPause() {
    if (busy || counter.state !== "open") return;
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
    if (busy) return;
    busy = true;
    api("POST", "/branches/" + branch + "/counters/" + counter.id + "/pause", { reason: reason }).then(function (view) {
      pauseDialog.close();
      counter = view;
      say(T.paused, "ok");
      renderCounter();
    }, function (error) {
      $("pause-error").textContent = fmt(T.error, { detail: error.message });
    }).then(function () {
      busy = false;
      renderCurrent();
      renderWaiting();
      loadCounters();
    });
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
    if (busy) return Promise.resolve();
    busy = true;
    return api("POST", "/branches/" + branch + "/services/" + s.id + "/joining", body).then(function () {
      say(fmt(body.open ? T.turns_restarted : T.turns_stopped, { service: serviceName(s.id) }), "ok");
      if (lineDialog.open) lineDialog.close();
    }, function (error) {
      if (lineDialog.open) $("line-error").textContent = fmt(T.error, { detail: error.message });
      else failed(error);
    }).then(function () { busy = false; });
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

  // ------------------------------------------------------------ no-shows who turn up late

  function loadNoShows() {
    return api("GET", "/branches/" + branch + "/no-shows").then(renderNoShows)
      .catch(function () { /* the next event tries again */ });
  }
  function renderNoShows(tickets) {
    var list = $("no-shows-list");
    list.textContent = "";
    $("no-shows-empty").hidden = tickets.length > 0;
    tickets.forEach(function (t) {
      var li = el("li", "no-show-row");
      var code = el("span", "waiting-code", t.code);
      code.style.setProperty("--swatch", serviceById[t.service] ? serviceById[t.service].color : "#888");
      li.appendChild(code);
      li.appendChild(el("span", "no-show-when", serviceName(t.service) + " · " + fmt(T.back_until, { time: clock(t.back_until) })));
      var back = el("button", "btn btn-secondary btn-small", T.back_to_line);
      back.type = "button";
      back.setAttribute("aria-label", fmt(T.back_to_line_code, { code: t.code }));
      back.addEventListener("click", function () {
        if (busy) return;
        busy = true;
        api("POST", "/tickets/" + t.id + "/requeue").then(function (ticket) {
          say(fmt(T.requeued, { code: ticket.code }), "ok");
        }, failed).then(function () {
          busy = false;
          loadNoShows();
          loadWaiting();
        });
      });
      li.appendChild(back);
      list.appendChild(li);
    });
  }

  // ------------------------------------------------------------ the branch's counters

  var counters = [];
  function loadCounters() {
    return api("GET", "/branches/" + branch + "/counters").then(function (list) {
      counters = list;
      renderCounters();
    }).catch(function () { /* the next event tries again */ });
  }
  function reasonText(reason) { return (T.pause_reasons && T.pause_reasons[reason]) || reason; }
  function renderCounters() {
    var list = $("counters-list");
    list.textContent = "";
    counters.forEach(function (c) {
      var li = el("li", "counter-row" + (c.id === counter.id ? " counter-mine" : ""));
      li.appendChild(el("span", "counter-name", c.name));
      var state = T.counter_states[c.state] || c.state;
      if (c.state === "paused" && c.pause_reason) state += " · " + reasonText(c.pause_reason);
      li.appendChild(el("span", "pill pill-" + c.state, state));
      var who = [];
      if (c.agent && c.state !== "closed") who.push(c.agent);
      if (c.since) who.push(fmt(T.for_minutes, { n: minutesSince(c.since) }));
      li.appendChild(el("span", "counter-who", who.join(" · ")));
      list.appendChild(li);
    });
  }

  // ------------------------------------------------------------ keyboard

  var KEYS = { n: "call-next", r: "recall", s: "start", d: "done", x: "no-show", t: "transfer",
               b: "requeue", p: "pause", o: "open", u: "undo" };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (dialog.open || callDialog.open || pauseDialog.open || lineDialog.open) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) return;
    var action = KEYS[event.key.toLowerCase()];
    if (!action) return;
    event.preventDefault();
    run(action);
  });

  // ------------------------------------------------------------ live

  function setLive(state) {
    var live = $("live");
    live.dataset.state = state;
    live.textContent = state === "live" ? T.live : T.reconnecting;
  }

  function resync(state) {
    if (state) {
      lastSeq = state.seq;
      renderCalls(state.calling || []);
      renderLines(state.services || []);
    }
    loadWaiting();
    refreshCurrent();
    loadCounters();
    loadNoShows();
  }

  if (window.io) {
    var socket = window.io({ transports: ["websocket", "polling"] });
    socket.on("connect", function () {
      socket.emit("subscribe", { branch: branch, lang: cfg.lang }, function (ack) {
        if (ack && ack.ok) {
          setLive("live");
          resync(ack.state);
        }
      });
      if (cfg.manages) socket.emit("subscribe", { staff: branch });
    });
    socket.on("feedback.low", function (rating) {
      lowRatings = [rating].concat(lowRatings.filter(function (r) { return r.ticket !== rating.ticket; })).slice(0, 20);
      renderRatings();
      say(fmt(T.low_rating, { code: rating.code, score: rating.score }), "error");
    });
    socket.on("disconnect", function () { setLive("reconnecting"); });
    socket.on("branch.state", function (state) {
      if (state.seq <= lastSeq) return;
      resync(state);
    });
  } else {
    setLive("reconnecting");
  }

  // Waiting times tick by the minute.
  setInterval(function () { renderWaiting(); renderCounters(); if (current) renderCurrent(); }, 30000);

  renderCounter();
  renderCurrent();
  renderRatings();
  loadWaiting();
  loadHistory();
  loadCounters();
  loadNoShows();
})();
