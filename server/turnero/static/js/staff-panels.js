/* The staff console's panels of the branch, as the server sent them: the counter's
   state, the current ticket and the buttons it allows, the waiting line (and its
   search), the calls being made, today's low ratings (managers), the no-shows who may
   still come back, and the branch's counters. */
(function () {
  "use strict";
  var C = window.TurneroStaff;
  if (!C) return;
  var cfg = C.cfg, T = C.texts, branch = C.branch, $ = C.$;
  var fmt = C.fmt, clock = C.clock, el = C.el, api = C.api, say = C.say, failed = C.failed;
  var minutesSince = C.minutesSince, channelIcon = C.channelIcon, serviceName = C.serviceName;
  var serviceById = C.serviceById, classNames = C.classNames;
  var waiting = [];

  // ------------------------------------------------------------ rendering

  function renderCounter() {
    var pill = $("counter-state");
    pill.className = "pill pill-" + C.counter.state;
    pill.textContent = T.counter_states[C.counter.state] || C.counter.state;
    var banner = $("closed-banner");
    banner.hidden = C.counter.state === "open";
    $("closed-text").textContent = C.counter.state === "paused" ? T.paused : T.closed;
    var pause = document.querySelector('[data-action="pause"]');
    pause.hidden = C.counter.state !== "open";
  }

  function renderCurrent() {
    var has = !!C.current;
    $("current-empty").hidden = has;
    $("current-ticket").hidden = !has;
    if (has) {
      $("current-code").textContent = C.current.code;
      var status = $("current-status");
      status.className = "pill pill-" + C.current.status;
      status.textContent = T.status[C.current.status] || C.current.status;
      var svc = serviceById[C.current.service];
      $("current-swatch").style.setProperty("--swatch", svc ? svc.color : "#888");
      $("current-service").textContent = serviceName(C.current.service);
      var ch = $("current-channel");
      ch.textContent = "";
      ch.appendChild(channelIcon(C.current.channel));
      $("current-created").textContent = clock(C.current.created_at) + " · " +
        fmt(T.minutes, { n: minutesSince(C.current.created_at) });
      var who = [C.current.name, C.current.phone].filter(Boolean).join(" · ");
      $("current-customer-row").hidden = !who;
      $("current-customer").textContent = who;
      var flags = $("current-flags");
      flags.textContent = "";
      if (C.current.priority) flags.appendChild(el("span", "badge badge-priority", T.priority));
      if (C.current.recalls > 0) flags.appendChild(el("span", "badge", T.events.recalled + " ×" + C.current.recalls));
    }
    var status = has ? C.current.status : null;
    var open = C.counter.state === "open";
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
      b.disabled = !enabled || C.busy;
    });
  }

  function mineToCall(ticket) {
    if (ticket.target_counter) return ticket.target_counter === C.counter.id;
    return C.counter.services.indexOf(ticket.service) !== -1;
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
  $("waiting-search").addEventListener("input", function () { renderWaiting(); });

  function renderWaiting() {
    var list = $("waiting-list");
    list.textContent = "";
    var all = waiting.filter(mineToCall);
    var mine = all.filter(matchesSearch);
    $("waiting-none-found").hidden = !(all.length > 0 && mine.length === 0);
    if (C.historyOf && C.historyOf.status === "waiting") {
      // The chosen ticket as the server now has it (its priority), or no longer waiting.
      var fresh = waiting.filter(function (t) { return t.id === C.historyOf.id; })[0];
      C.historyOf = fresh || Object.assign({}, C.historyOf, { status: "left" });
    }
    C.renderPriorityToggle();
    $("waiting-count").textContent = all.length;
    $("waiting-empty").hidden = all.length > 0;
    mine.forEach(function (t) {
      var li = el("li", "waiting-item");
      var button = el("button", "waiting-row");
      button.type = "button";
      button.dataset.ticket = t.id;
      button.setAttribute("aria-pressed", C.historyOf && C.historyOf.id === t.id ? "true" : "false");
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
      button.addEventListener("click", function () { C.showHistory(t); });
      li.appendChild(button);
      // Call this one out of turn (the customer at the door), saying why.
      var call = el("button", "btn btn-secondary btn-small waiting-call");
      call.type = "button";
      call.textContent = T.call;
      call.setAttribute("aria-label", fmt(T.call_code, { code: t.code }));
      call.disabled = C.busy || C.counter.state !== "open";
      call.addEventListener("click", function () { C.openCall(t); });
      li.appendChild(call);
      list.appendChild(li);
    });
  }

  function renderCalls(calling) {
    var list = $("calls-list");
    list.textContent = "";
    $("calls-empty").hidden = calling.length > 0;
    calling.slice(0, 6).forEach(function (c) {
      var li = el("li", "call" + (c.counter && c.counter.id === C.counter.id ? " call-mine" : ""));
      li.appendChild(el("span", "call-code", c.code));
      li.appendChild(el("span", "call-counter", c.counter ? c.counter.name : ""));
      li.appendChild(el("span", "call-time", clock(c.called_at) + (c.recall ? " · " + T.events.recalled : "")));
      list.appendChild(li);
    });
  }

  // Managers: today's ratings of 1 or 2, newest first; each new one arrives live.
  var lowRatings = cfg.low_ratings || [];
  function addLowRating(rating) {
    lowRatings = [rating].concat(lowRatings.filter(function (r) { return r.ticket !== rating.ticket; })).slice(0, 20);
    renderRatings();
  }
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

  // ------------------------------------------------------------ reading the server

  function loadWaiting() {
    return api("GET", "/branches/" + branch + "/tickets?status=waiting").then(function (tickets) {
      waiting = tickets;
      renderWaiting();
    }).catch(failed);
  }

  function refreshCurrent() {
    if (!C.current) return Promise.resolve();
    var mine = C.current;
    return api("GET", "/tickets/" + encodeURIComponent(mine.token)).then(function (fresh) {
      if (C.current !== mine) return;
      var stillHere = (fresh.status === "called" || fresh.status === "serving") &&
        fresh.counter && fresh.counter.id === C.counter.id;
      if (stillHere) {
        C.current = Object.assign({}, mine, fresh, { name: mine.name, phone: mine.phone, token: mine.token });
      } else {
        C.current = null;
      }
      renderCurrent();
      if (C.historyOf && C.historyOf.id === mine.id) C.loadHistory();
    }).catch(function () { /* the next event tries again */ });
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
        if (C.busy) return;
        C.busy = true;
        api("POST", "/tickets/" + t.id + "/requeue").then(function (ticket) {
          say(fmt(T.requeued, { code: ticket.code }), "ok");
        }, failed).then(function () {
          C.busy = false;
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
      var li = el("li", "counter-row" + (c.id === C.counter.id ? " counter-mine" : ""));
      li.appendChild(el("span", "counter-name", c.name));
      var state = T.counter_states[c.state] || c.state;
      if (c.state === "paused" && c.pause_reason) state += " · " + reasonText(c.pause_reason);
      li.appendChild(el("span", "pill pill-" + c.state, state));
      var who = [];
      if (c.agent && c.state !== "closed") who.push(c.agent);
      if (c.since) who.push(fmt(T.for_minutes, { n: minutesSince(c.since) }));
      if (c.planned_hours) who.push(fmt(T.planned_hours, { hours: c.planned_hours }));
      li.appendChild(el("span", "counter-who", who.join(" · ")));
      list.appendChild(li);
    });
  }

  C.renderCounter = renderCounter;
  C.renderCurrent = renderCurrent;
  C.renderWaiting = renderWaiting;
  C.renderCalls = renderCalls;
  C.renderRatings = renderRatings;
  C.addLowRating = addLowRating;
  C.loadWaiting = loadWaiting;
  C.refreshCurrent = refreshCurrent;
  C.loadNoShows = loadNoShows;
  C.loadCounters = loadCounters;
  C.renderCounters = renderCounters;
})();
