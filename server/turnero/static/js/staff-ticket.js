/* The staff console's chosen ticket (a waiting one picked in the list, else the one at
   the counter): its history, its texts and calls, its customer (earlier visits, the
   staff's note, where their messages go) and, while it waits, its priority. */
(function () {
  "use strict";
  var C = window.TurneroStaff;
  if (!C) return;
  var cfg = C.cfg, T = C.texts, $ = C.$;
  var fmt = C.fmt, clock = C.clock, el = C.el, api = C.api, say = C.say, failed = C.failed;
  var channelIcon = C.channelIcon, serviceName = C.serviceName, counterById = C.counterById;

  // Priority is given or taken away from a waiting ticket chosen in the list.
  function renderPriorityToggle() {
    var button = $("priority-toggle");
    if (!button) return;
    var chosen = C.historyOf && C.historyOf.status === "waiting" ? C.historyOf : null;
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
    if (!C.historyOf || C.historyOf.status !== "waiting" || C.busy) return;
    var chosen = C.historyOf;
    var body = { priority: !chosen.priority };
    var kind = $("priority-class");
    if (body.priority && kind && kind.value) body.priority_class = parseInt(kind.value, 10);
    C.busy = true;
    api("POST", "/tickets/" + chosen.id + "/priority", body).then(function (ticket) {
      say(fmt(ticket.priority ? T.priority_granted : T.priority_removed, { code: ticket.code }), "ok");
      if (C.historyOf && C.historyOf.id === chosen.id) C.historyOf = Object.assign({}, chosen, { priority: ticket.priority });
    }, failed).then(function () {
      C.busy = false;
      renderPriorityToggle();
      return Promise.all([C.loadWaiting(), loadHistory()]);
    });
  }
  if ($("priority-toggle")) $("priority-toggle").addEventListener("click", togglePriority);

  function showHistory(ticket) {
    C.historyOf = ticket;
    document.querySelectorAll(".waiting-row").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.ticket === (ticket && ticket.id) ? "true" : "false");
    });
    loadHistory();
  }

  function loadHistory() {
    renderPriorityToggle();
    var list = $("history-list");
    var title = $("history-title");
    if (!C.historyOf) {
      list.textContent = "";
      $("history-empty").hidden = false;
      title.textContent = title.dataset.plain || title.textContent;
      return loadMessages();
    }
    title.dataset.plain = title.dataset.plain || title.textContent;
    title.textContent = fmt(T.history_of, { code: C.historyOf.code });
    var id = C.historyOf.id;
    return api("GET", "/tickets/" + id + "/events").then(function (events) {
      if (!C.historyOf || C.historyOf.id !== id) return;
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
    var id = C.historyOf && C.historyOf.customer;
    if (!box) return;
    if (!id) { box.hidden = true; customerShown = null; return; }
    return api("GET", "/customers/" + id).then(function (c) {
      if (!C.historyOf || C.historyOf.customer !== id) return;
      customerShown = c;
      box.hidden = false;
      $("customer-phone").textContent = c.phone + (c.name ? " · " + c.name : "");
      $("customer-counts").textContent = fmt(T.customer_counts, {
        visits: c.visits, appointments: c.appointments.length, texts: c.messages_sent + c.messages_received });
      var list = $("customer-visits");
      list.textContent = "";
      c.tickets.filter(function (t) { return t.id !== C.historyOf.id; }).slice(0, 5).forEach(function (t) {
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
    var chosen = (C.historyOf && C.historyOf.notify_by) || c.channel;
    var byWhatsapp = chosen === "whatsapp" || (!chosen && C.historyOf && C.historyOf.channel === "whatsapp");
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
        if (C.historyOf && C.historyOf.customer === c.id) C.historyOf = Object.assign({}, C.historyOf, { notify_by: null });
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
    if (!C.historyOf) {
      list.textContent = "";
      empty.textContent = T.no_messages_chosen;
      empty.hidden = false;
      title.textContent = title.dataset.plain;
      return Promise.resolve();
    }
    title.textContent = fmt(T.messages_of, { code: C.historyOf.code });
    var id = C.historyOf.id;
    return api("GET", "/tickets/" + id + "/messages").then(function (messages) {
      if (!C.historyOf || C.historyOf.id !== id) return;
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

  C.renderPriorityToggle = renderPriorityToggle;
  C.showHistory = showHistory;
  C.loadHistory = loadHistory;
})();
