/* Shared by the public pages: translated patterns, the live connection (subscribe,
   resync on reconnect or on a gap in `seq`, a visible "reconnecting" state) and
   sound. The pages show what the server sends; nothing here computes a position. */
(function () {
  "use strict";
  var T = window.Turnero = { chimes: 0 };
  var dataBlock = document.getElementById("page-data");
  T.data = dataBlock ? JSON.parse(dataBlock.textContent) : {};
  var S = T.data.t || {};

  T.fmt = function (pattern, values) {
    return String(pattern).replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  };
  T.plural = function (forms, n) { return T.fmt(forms[n === 1 ? 0 : 1], { num: n }); };
  /* "about 6 min (4–9)" (eta_text on the server): the range with the wait's median in
     it; broken only before its bracket, as the server's `unbroken` sets it. */
  T.eta = function (eta) {
    if (!eta) return "";
    var values = { about: eta.about_min, low: eta.low_min, high: eta.high_min };
    var text = !eta.about_min ? T.fmt(eta.low_min <= 0 ? S.eta_upto : S.eta_range, values)
                              : T.fmt(eta.low_min <= 0 ? S.eta_about_upto : S.eta_about_range, values);
    return text.replace(/ (?=\d|min\b)/g, "\u00a0");
  };
  T.waiting = function (n) { return n ? T.plural(S.waiting, n) : S.no_one; };
  /* A line's wait: the range, or that no counter serving it is open (as the server's pages say). */
  T.estimate = function (s) { return s.serving === 0 ? S.no_one_serving : T.eta(s.eta); };
  T.waitLine = function (s) {
    return T.waiting(s.waiting) + (s.waiting || s.serving === 0 ? " · " + T.estimate(s) : "");
  };
  T.all = function (selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); };
  T.set = function (field, text) {
    T.all('[data-f="' + field + '"]').forEach(function (el) { if (el.textContent !== String(text)) el.textContent = text; });
  };

  // ------------------------------------------------------------ connection
  function showConnection(state) {
    T.state = state;
    T.all("[data-conn]").forEach(function (el) {
      el.hidden = false;
      el.className = "conn " + state;
      el.textContent = state === "live" ? S.live : S.reconnecting;
    });
  }

  /* subs: the subscribe payloads; on: {ticket, branch, called, snapshot} handlers. */
  T.live = function (subs, on) {
    if (!window.io) { showConnection("reconnecting"); return null; }
    var socket = io({ transports: ["websocket", "polling"], tryAllTransports: true,
                      reconnectionDelay: 1000, reconnectionDelayMax: 8000 });
    var seq = null;
    T.socket = socket;
    T.resyncs = 0;

    function subscribe(sub) {
      socket.timeout(10000).emit("subscribe", sub, function (err, ack) {
        if (err) { if (socket.connected) subscribe(sub); return; }
        if (!ack || !ack.ok) { if (on.refused) on.refused(sub, ack || {}); return; }
        if (ack.seq !== undefined) seq = ack.seq;
        if (ack.state && on.branch) on.branch(ack.state, true);
        if (ack.ticket && on.ticket) on.ticket(ack.ticket, true);
        showConnection("live");
      });
    }
    function resync() { T.resyncs += 1; subs.forEach(subscribe); }
    T.resync = resync;

    socket.on("connect", resync);
    socket.on("disconnect", function () { showConnection("reconnecting"); });
    socket.on("connect_error", function () { showConnection("reconnecting"); });
    socket.on("branch.state", function (state) {
      if (seq !== null && state.seq <= seq) return;           // already shown
      if (seq !== null && state.seq > seq + 1) { resync(); return; }  // missed one: take the snapshot
      seq = state.seq;
      if (on.branch) on.branch(state, false);
    });
    socket.on("ticket.called", function (call) {
      if (seq === null || call.seq > seq) { if (on.called) on.called(call); }
    });
    socket.on("ticket.update", function (ticket) { if (on.ticket) on.ticket(ticket, false); });
    // A phone waking up, or the network coming back: never trust what the page shows.
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) return;
      if (socket.connected) resync(); else socket.connect();
    });
    window.addEventListener("online", function () { if (!socket.connected) socket.connect(); });
    window.addEventListener("pageshow", function (e) { if (e.persisted) { if (socket.connected) resync(); else socket.connect(); } });
    return socket;
  };

  // ------------------------------------------------------------ sound (generated, no file)
  var audio = null;
  T.audio = function () {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    if (!audio) { try { audio = new Ctx(); } catch (e) { return null; } }
    if (audio.state === "suspended") audio.resume();
    return audio;
  };
  T.soundReady = function () { return !!audio && audio.state === "running"; };
  /* notes: [[frequency Hz, start s, length s], ...] */
  T.chime = function (notes) {
    T.chimes += 1;
    var ctx = T.audio();
    if (!ctx || ctx.state !== "running") return false;
    var t0 = ctx.currentTime + 0.03;
    notes.forEach(function (n) {
      var osc = ctx.createOscillator(), gain = ctx.createGain(), t = t0 + n[1];
      osc.type = "sine";
      osc.frequency.value = n[0];
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.4, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + n[2]);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + n[2] + 0.05);
    });
    return true;
  };
  /* A button that unlocks sound (browsers allow it only after a tap or click). */
  T.soundButton = function (onEnabled) {
    var buttons = T.all("[data-sound]");
    function enable() {
      T.audio();
      setTimeout(function () {
        if (T.soundReady()) { buttons.forEach(function (b) { b.hidden = true; }); if (onEnabled) onEnabled(); }
      }, 150);
    }
    buttons.forEach(function (b) { b.hidden = false; b.addEventListener("click", enable); });
    document.addEventListener("pointerdown", function once() {
      document.removeEventListener("pointerdown", once, true);
      T.audio();
      setTimeout(function () { if (T.soundReady()) buttons.forEach(function (b) { b.hidden = true; }); }, 150);
    }, true);
    T.audio();
    setTimeout(function () { if (T.soundReady()) buttons.forEach(function (b) { b.hidden = true; }); }, 300);
  };
})();
