/* The lobby screen: the call being made, the last calls, the waits, the clock and a
   chime on every call. Everything shown comes from the branch's room (codes only). */
(function () {
  "use strict";
  var T = window.Turnero, D = T.data, S = D.t;
  var now = document.querySelector('[data-f="now"]');
  var recent = document.querySelector('[data-f="recent"]');
  var waits = document.querySelector('[data-f="waits"]');
  var shownCall = null;

  function colour(service) { return D.services[service] || { color: "#0b4fb3", ink: "#ffffff" }; }
  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function showCalls(all) {
    // Each code once, newest first: a recall moves a code back to the top.
    var seen = {}, calling = all.filter(function (c) { return seen[c.code] ? false : (seen[c.code] = true); });
    // The newest call is "now" while its counter is open; once it pauses or closes it
    // is only history (a paused counter is not serving).
    var first = all[0] && (!all[0].counter.state || all[0].counter.state === "open") ? all[0] : null;
    document.querySelector('[data-f="call"]').hidden = !first;
    document.querySelector('[data-f="idle"]').hidden = !!first;
    T.set("code", first ? first.code : "");
    T.set("counter", first ? first.counter.name : "");
    document.querySelector('[data-f="again"]').hidden = !(first && first.recall);
    if (first) {
      now.style.setProperty("--c", colour(first.service).color);
      now.style.setProperty("--ink", colour(first.service).ink);
    }
    var items = calling.slice(first ? 1 : 0, first ? 7 : 6).map(function (c) {
      var li = el("li");
      li.style.setProperty("--c", colour(c.service).color);
      li.appendChild(el("span", "r-code", c.code));
      li.appendChild(el("span", "r-counter", c.counter.name));
      return li;
    });
    recent.replaceChildren.apply(recent, items);
    document.querySelector('[data-f="recent-empty"]').hidden = items.length > 0;
    var key = first ? first.code + "@" + first.called_at + (first.recall ? "r" : "") : null;
    if (key !== null && shownCall !== null && key !== shownCall) flash();
    // Nothing current (its counter paused): "" rather than null, so the next call flashes.
    shownCall = key !== null ? key : (shownCall === null ? null : "");
  }

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
      // A line its manager paused, or the branch outside its hours for walk-ins.
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

  // The clock, in the branch's time zone and the page's language.
  var timeFormat = new Intl.DateTimeFormat(D.lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: D.timezone });
  var dateFormat = new Intl.DateTimeFormat(D.lang, { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: D.timezone });
  function tick() {
    var d = new Date();
    T.set("clock", timeFormat.format(d));
    T.set("date", dateFormat.format(d));
  }
  tick();
  setInterval(tick, 1000);

  T.soundButton(function () { T.chime([[784, 0, 0.8], [659, 0.45, 1.2]]); });
  T.live([{ branch: D.branch, lang: D.lang }], {
    branch: function (state, snapshot) {
      if (snapshot) shownCall = null;
      showCalls(state.calling || []);
      showWaits(state.services || []);
    },
    called: function () {
      T.chime([[784, 0, 1.2], [659, 0.5, 1.6]]);
    }
  });
})();
