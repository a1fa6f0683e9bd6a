/* The lobby screen: the calls being made, the last calls, the waits, the clock, and
   every call announced (a chime, then the sentence, one after the other). Everything
   shown comes from the branch's room (codes only). The rule of what is "now calling"
   is queue/lobby.py's, applied again here as seconds pass. */
(function () {
  "use strict";
  var T = window.Turnero, D = T.data, S = D.t, W = window.TurneroWords;
  var now = document.querySelector('[data-f="now"]');
  var list = document.querySelector('[data-f="calls"]');
  var recent = document.querySelector('[data-f="recent"]');
  var recentBox = document.querySelector('[data-f="recent-box"]');
  var waits = document.querySelector('[data-f="waits"]');
  var HIGHLIGHT_MS = (D.highlight_s || 15) * 1000, MAX_NOW = D.max_now || 4;
  // The server's clock, as well as the page can tell: calls' times are the server's.
  var skew = D.server_now ? Date.parse(D.server_now) - Date.now() : 0;
  var lastCalls = [], shown = {}, expiry = null;

  function colour(service) { return D.services[service] || { color: "#0b4fb3", ink: "#ffffff" }; }
  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function paint(e, service) {
    e.style.setProperty("--c", colour(service).color);
    e.style.setProperty("--ink", colour(service).ink);
  }

  /* queue/lobby.py's split_calls: [now calling, last calls]. */
  function split(all) {
    var seen = {}, distinct = all.filter(function (c) { return seen[c.code] ? false : (seen[c.code] = true); });
    var t = Date.now() + skew, current = [], counters = {};
    distinct.forEach(function (c, i) {
      var open = !c.counter.state || c.counter.state === "open";
      var age = t - Date.parse(c.called_at);
      var fresh = i === 0 || age <= HIGHLIGHT_MS;
      if (current.length < MAX_NOW && open && fresh && !counters[c.counter.id]) {
        current.push(c);
        counters[c.counter.id] = true;
      }
    });
    return [current, distinct.filter(function (c) { return current.indexOf(c) < 0; })];
  }

  function showCalls(all) {
    lastCalls = all;
    var parts = split(all), calling = parts[0], first = calling[0];
    document.querySelector('[data-f="call"]').hidden = calling.length !== 1;
    list.hidden = calling.length < 2;
    document.querySelector('[data-f="idle"]').hidden = !!first;
    now.classList.toggle("many", calling.length > 1);
    // One call: lit in its line's colour for the highlight time, then calmer (as the app).
    now.classList.toggle("lit", calling.length === 1 && Date.now() + skew - Date.parse(first.called_at) <= HIGHLIGHT_MS);
    T.set("code", first ? first.code : "");
    T.set("counter", first ? first.counter.name : "");
    document.querySelector('[data-f="again"]').hidden = !(first && first.recall);
    if (first) paint(now, first.service);
    list.replaceChildren.apply(list, calling.length < 2 ? [] : calling.map(function (c) {
      var li = el("li"), where = el("span", "n-counter");
      paint(li, c.service);
      li.appendChild(el("span", "n-code", c.code));
      where.appendChild(el("span", "tv-go", S.go_to));
      where.appendChild(document.createTextNode(" "));
      where.appendChild(el("strong", "", c.counter.name));
      if (c.recall) where.appendChild(el("span", "n-again", S.called_again));
      li.appendChild(where);
      return li;
    }));
    var items = parts[1].map(function (c) {
      var li = el("li");
      li.style.setProperty("--c", colour(c.service).color);
      li.appendChild(el("span", "r-code", c.code));
      li.appendChild(el("span", "r-counter", c.counter.name));
      return li;
    });
    recent.replaceChildren.apply(recent, items);
    document.querySelector('[data-f="recent-empty"]').hidden = items.length > 0;
    fitRecent();
    // A new call (or recall) among those shown large: flash.
    var keys = {}, fresh = false;
    calling.forEach(function (c) {
      var key = c.code + "@" + c.called_at + (c.recall ? "r" : "");
      keys[key] = true;
      if (!shown[key]) fresh = true;
    });
    if (fresh && shown.ready) flash();
    keys.ready = true;
    shown = keys;
    schedule(calling);
  }

  /* When the next large call has had its time, show the calls again. */
  function schedule(calling) {
    clearTimeout(expiry);
    var t = Date.now() + skew, wait = null;
    calling.forEach(function (c) {
      var left = HIGHLIGHT_MS - (t - Date.parse(c.called_at));
      if (left > 0 && (wait === null || left < wait)) wait = left;
    });
    if (wait !== null) expiry = setTimeout(function () { showCalls(lastCalls); }, wait + 100);
  }

  /* The last calls never show half a row: the rows that do not fit whole are left out. */
  function fitRecent() {
    var style = getComputedStyle(recentBox);
    var limit = recentBox.getBoundingClientRect().bottom - parseFloat(style.paddingBottom);
    var full = false;
    T.all("li", recent).forEach(function (li) {
      li.hidden = false;
      if (!full && li.getBoundingClientRect().bottom > limit + 0.5) full = true;
      if (full) li.hidden = true;
    });
  }
  window.addEventListener("resize", fitRecent);

  function flash() {
    now.classList.remove("flash");
    void now.offsetWidth; // restart the animation
    now.classList.add("flash");
  }

  function showWaits(services) {
    var items = services.map(function (s) {
      var c = colour(s.id), li = el("li");
      // The room's events name services in the branch's language; this screen may speak another.
      var name = (s.names && s.names[D.lang]) || s.name;
      if (!D.services[s.id]) D.services[s.id] = { color: s.color, ink: c.ink };
      li.style.setProperty("--c", s.color || c.color);
      li.style.setProperty("--ink", c.ink);
      li.appendChild(el("span", "w-badge", s.prefix || ""));
      var meta = el("span", "w-meta");
      meta.appendChild(el("span", "w-count", T.waiting(s.waiting)));
      meta.appendChild(el("span", "w-eta", s.waiting || s.serving === 0 ? T.estimate(s) : ""));
      li.appendChild(el("span", "w-name", name));
      li.appendChild(meta);
      // A line its manager paused, or the branch outside its hours for walk-ins: said
      // on a row of its own, under the name.
      var joining = s.joining || "open";
      if (joining !== "open") {
        li.classList.add("w-stopped");
        li.appendChild(el("span", "w-joining", joining === "paused" ? (s.message || S.join_paused) : S.join_closed));
      }
      return li;
    });
    waits.replaceChildren.apply(waits, items);
  }

  // ------------------------------------------------------------ announcements
  // As the display app's Announcer: a chime, the sentence, a short pause, the next;
  // never two at once. A speech engine that never finishes costs only its own turn.
  var CHIME = [[1318.5, 0, 0.6], [1046.5, 0.42, 0.68]], CHIME_MS = 1100, PAUSE_MS = 600;
  var LOCALES = { es: ["es-MX", "es-ES", "es-US", "es"], en: ["en-US", "en-GB", "en"] };
  var pending = [], speaking = false;

  function voice(lang) {
    var voices = (window.speechSynthesis && window.speechSynthesis.getVoices()) || [];
    var wanted = LOCALES[lang] || [lang];
    for (var i = 0; i < wanted.length; i++) {
      for (var j = 0; j < voices.length; j++) {
        if (voices[j].lang.replace("_", "-") === wanted[i]) return voices[j];
      }
    }
    return voices.filter(function (v) { return v.lang.slice(0, 2) === lang; })[0] || null;
  }
  function say(text, done) {
    var synth = window.speechSynthesis, over = false, watchdog;
    function end() { if (!over) { over = true; clearTimeout(watchdog); done(); } }
    if (!synth || !window.SpeechSynthesisUtterance) { end(); return; }
    var u = new SpeechSynthesisUtterance(text);
    u.lang = (LOCALES[D.lang] || [D.lang])[0];
    var v = voice(D.lang);
    if (v) u.voice = v;
    u.onend = end;
    u.onerror = end;
    watchdog = setTimeout(end, 8000 + 150 * text.length);
    synth.speak(u);
  }
  function next() {
    if (!pending.length) { speaking = false; return; }
    speaking = true;
    var text = pending.shift();
    T.chime(CHIME);
    setTimeout(function () { say(text, function () { setTimeout(next, PAUSE_MS); }); }, CHIME_MS);
  }
  function say_call(code, counterName) {
    // A TV in kiosk mode may play sound unasked; elsewhere only once someone turned it on.
    if (!D.tv && !T.soundReady()) { T.chime(CHIME); return; }
    pending.push(W.announcement(code, counterName || "", D.lang));
    if (!speaking) next();
  }

  // As the display app (model.py): a call whose ticket.called was lost (the connection
  // dropped, a gap) is said from the branch's list when it is at most LATE_MS old by the
  // server's clock; the calls listed when the page opens are not read out.
  var LATE_MS = 2 * 60 * 1000, handled = null, heard = [];
  function callKey(c) { return [c.code, c.counter.id, c.called_at, !!c.recall].join("|"); }
  function heardCall(call) {
    heard.push({ seq: call.seq, code: call.code, counter: call.counter && call.counter.id, recall: !!call.recall });
    say_call(call.code, call.counter && call.counter.name);
  }
  function catchUp(state) {
    var calls = state.calling || [], listed = {};
    // The calls heard as events are in this list now: mark the newest entry of each.
    heard = heard.filter(function (h) {
      if (h.seq > state.seq) return true;  // its state is still to come
      var entry = calls.filter(function (c) { return c.code === h.code && c.counter.id === h.counter; })[0];
      if (entry && handled) handled[callKey(entry)] = true;
      return false;
    });
    calls.forEach(function (c) { listed[callKey(c)] = true; });
    if (handled === null) { handled = listed; return; }
    var t = Date.now() + skew;
    calls.slice().reverse().forEach(function (c) {  // oldest first, as they were called
      var key = callKey(c);
      if (handled[key]) return;
      handled[key] = true;
      if (t - Date.parse(c.called_at) <= LATE_MS) say_call(c.code, c.counter.name);
    });
    Object.keys(handled).forEach(function (key) { if (!listed[key]) delete handled[key]; });
  }

  // The clock and date, in the branch's time zone and the page's language.
  var timeFormat = new Intl.DateTimeFormat(D.lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: D.timezone });
  var dateFormat = new Intl.DateTimeFormat(D.lang, { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: D.timezone });
  function tick() {
    var d = new Date(Date.now() + skew);
    T.set("clock", timeFormat.format(d));
    T.set("date", dateFormat.format(d));
  }
  tick();
  setInterval(tick, 1000);

  fitRecent();
  if (D.tv) T.audio();
  else T.soundButton(function () { T.chime(CHIME); });
  T.live([{ branch: D.branch, lang: D.lang }], {
    branch: function (state, snapshot) {
      if (snapshot) shown = {};
      showCalls(state.calling || []);
      showWaits(state.services || []);
      catchUp(state);
    },
    called: heardCall
  });
})();
