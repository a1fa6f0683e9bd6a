/* Turnero staff console. Every action goes through the JSON API with the session
   cookie and the page's CSRF token; the branch is followed over Socket.IO. The
   server computes what is shown (order, positions, estimates); these scripts only
   render it and format times. They load in this order (plain scripts, `defer`),
   one job each, and share one object, window.TurneroStaff:

     staff.js          the state they share, formatting, the API, the toasts and "Undo"
     staff-panels.js   the branch's panels: counter, current ticket, waiting line, calls,
                       low ratings, no-shows, counters
     staff-ticket.js   the chosen ticket: history, messages, customer and note, priority
     staff-actions.js  the actions, by button or key, and their dialogs
     staff-live.js     the live connection, then the first drawing */
(function () {
  "use strict";

  var cfgNode = document.getElementById("console-config");
  if (!cfgNode) return;
  var cfg = JSON.parse(cfgNode.textContent);
  var T = cfg.texts;
  var clockSkewMs = 0;                  // server clock minus browser clock (from the Date header)
  var serviceById = {};
  cfg.services.forEach(function (s) { serviceById[s.id] = s; });
  var counterById = {};
  cfg.counters.forEach(function (c) { counterById[c.id] = c; });
  var classNames = {};
  (cfg.priority_classes || []).forEach(function (c) { classNames[c.id] = c.name; });

  // What the scripts share: the state below changes as the counter works, the rest stays.
  var C = window.TurneroStaff = {
    cfg: cfg,
    texts: T,
    branch: cfg.branch.slug,
    counter: cfg.counter,               // {id, name, state, services}
    current: cfg.current,               // the ticket at this counter, or null
    historyOf: cfg.current,             // the ticket whose history is shown
    busy: false,                        // an action is under way
    undoable: null,                     // the ticket whose finish or no-show "Undo" takes back
    serviceById: serviceById,
    counterById: counterById,
    classNames: classNames,
  };

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
    if (C.undoable) hideUndo();
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toast.className = "toast"; }, kind === "error" ? 9000 : 4000);
  }
  function failed(error) { say(fmt(T.error, { detail: error.message }), "error"); }

  // A finish or a no-show (by its button, or by "Call next" over a ticket still at the
  // counter) can be taken back for a few seconds: the toast offers "Undo".
  var undoTimer = null;
  function offerUndo(ticketId, message) {
    C.undoable = ticketId;
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
    C.undoable = null;
    clearTimeout(undoTimer);
    $("undo-toast").className = "toast toast-undo";
  }

  C.$ = $;
  C.fmt = fmt;
  C.clock = clock;
  C.minutesSince = minutesSince;
  C.el = el;
  C.channelIcon = channelIcon;
  C.serviceName = serviceName;
  C.api = api;
  C.say = say;
  C.failed = failed;
  C.offerUndo = offerUndo;
  C.hideUndo = hideUndo;
})();
