/* The tracking page (/t/TOKEN): follows the ticket live and alerts when it is called. */
(function () {
  "use strict";
  var T = window.Turnero, D = T.data, S = D.t;
  var main = document.getElementById("main");
  var overlay = document.querySelector("[data-overlay]");
  var storeKey = "turnero:" + D.token.slice(0, 16);
  var last = { status: D.ticket.status, recalls: D.ticket.recalls, position: D.ticket.position };

  function remember() { try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; } }
  function keep(values) {
    try { var v = remember(); for (var k in values) v[k] = values[k]; localStorage.setItem(storeKey, JSON.stringify(v)); } catch (e) { /* private mode */ }
  }

  function progress(position) {
    // How much of the line seen from this phone is behind you now (a picture, not a number).
    var first = Math.max(remember().first || 0, position);
    keep({ first: first });
    var pct = Math.round(100 * (first - position + 1) / (first + 1));
    var bar = document.querySelector('[data-f="bar"]');
    if (bar) { bar.setAttribute("aria-valuenow", pct); bar.firstElementChild.style.width = pct + "%"; }
  }

  function title(t) {
    var counter = t.counter ? t.counter.name : "";
    if (t.status === "waiting") return T.fmt(S.title_waiting, { code: t.code, position: t.position });
    if (t.status === "called") return T.fmt(S.title_called, { code: t.code, counter: counter });
    return T.fmt(S.title_other, { code: t.code, status: S.status[t.status] || t.status });
  }

  function alertCalled(t) {
    var key = t.id + ":" + t.recalls;
    if (remember().dismissed === key) return;
    overlay.hidden = false;
    overlay.dataset.key = key;
    var ok = overlay.querySelector("[data-dismiss]");
    if (ok) ok.focus();
    T.chime([[659, 0, 0.5], [784, 0.22, 0.5], [988, 0.44, 0.9], [659, 1.4, 0.5], [784, 1.62, 0.5], [988, 1.84, 1.1]]);
    if (navigator.vibrate) { try { navigator.vibrate([400, 150, 400, 150, 800]); } catch (e) { /* not allowed */ } }
  }

  // Open counters per service, from the branch's state: with none serving the ticket's
  // line, the page says so instead of a wait no one is working down.
  var serving = {};
  var shown = D.ticket;
  function etaText(t) { return serving[t.service] === 0 ? S.no_one_serving : T.eta(t.eta); }

  function show(t, snapshot) {
    shown = t;
    var svc = D.services[t.service];
    var counter = t.counter ? t.counter.name : "";
    main.dataset.status = t.status;
    if (svc) {
      main.style.setProperty("--c", svc.color);
      main.style.setProperty("--ink", svc.ink);
      T.set("service", svc.name);
    }
    T.set("status", S.status[t.status] || t.status);
    T.set("code", t.code);
    T.set("counter", counter);
    if (t.status === "waiting") {
      T.set("position", t.position);
      T.set("eta", etaText(t));
      T.set("ahead", t.ahead ? T.plural(S.ahead, t.ahead) : S.next);
      progress(t.position);
      if (t.position !== last.position || last.status !== "waiting") {
        T.set("announce", T.fmt(S.announce, { position: t.position, eta: etaText(t) }));
      }
    }
    document.title = title(t);
    var calledNow = t.status === "called" && (last.status !== "called" || t.recalls > last.recalls);
    if (t.status === "called" && (calledNow || snapshot)) {
      if (calledNow) T.set("announce", T.fmt(S.called_announce, { counter: counter }));
      alertCalled(t);
    }
    if (t.status !== "called") overlay.hidden = true;
    last = { status: t.status, recalls: t.recalls, position: t.position };
  }

  overlay.querySelector("[data-dismiss]").addEventListener("click", function () {
    overlay.hidden = true;
    keep({ dismissed: overlay.dataset.key });
  });

  // Cancel: the confirmation opens here instead of on its own page.
  var dialog = document.getElementById("cancel-dialog");
  var cancelLink = document.querySelector("[data-cancel]");
  if (dialog && dialog.showModal && cancelLink) {
    cancelLink.addEventListener("click", function (e) { e.preventDefault(); dialog.showModal(); });
    dialog.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
  }

  T.soundButton(function () { T.chime([[880, 0, 0.35]]); });
  if (D.ticket.status === "waiting") progress(D.ticket.position);

  T.live([{ ticket: D.token, lang: D.lang }, { branch: D.branch, lang: D.lang }], {
    ticket: show,
    branch: function (state) {
      (state.services || []).forEach(function (s) { serving[s.id] = s.serving; });
      if (shown && shown.status === "waiting") T.set("eta", etaText(shown));
      var call = state.calling && state.calling[0];
      T.set("calling", call ? T.fmt(S.call, { code: call.code, counter: call.counter.name }) : "—");
    }
  });
})();
