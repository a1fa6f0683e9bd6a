/* The join page: the waits next to each service stay current, and a line that stops
   or starts taking turns (paused by staff, the branch's hours) is shown so at once. */
(function () {
  "use strict";
  var T = window.Turnero, D = T.data, S = D.t;

  function when(iso) {
    if (!iso) return "";
    try {
      return new Intl.DateTimeFormat(D.lang, { weekday: "long", hour: "2-digit", minute: "2-digit",
                                               timeZone: D.tz }).format(new Date(iso));
    } catch (e) { return ""; }
  }

  function joining(s) {
    var state = s.joining || "open";
    var note = document.getElementById("join-note-" + s.id);
    var input = document.querySelector('[data-service="' + s.id + '"] input');
    if (!note || !input || note.dataset.joining === state) return;
    note.dataset.joining = state;
    var text = "";
    if (state === "paused") text = s.message || S.join_paused;
    else if (state === "closed") text = S.join_closed + (s.opens_at ? " " + when(s.opens_at) : "");
    note.textContent = text;
    note.hidden = !text;
    input.disabled = !!text;
    if (text) input.checked = false;
  }

  T.live([{ branch: D.branch, lang: D.lang }], {
    branch: function (state) {
      state.services.forEach(function (s) {
        var text = T.waitLine(s);
        T.all('[data-wait="' + s.id + '"]').forEach(function (el) { el.textContent = text; });
        joining(s);
      });
    }
  });
})();
