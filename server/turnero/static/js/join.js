/* The join page: the waits next to each service stay current. */
(function () {
  "use strict";
  var T = window.Turnero, D = T.data;
  T.live([{ branch: D.branch, lang: D.lang }], {
    branch: function (state) {
      state.services.forEach(function (s) {
        var text = T.waiting(s.waiting) + (s.waiting ? " · " + T.eta(s.eta) : "");
        T.all('[data-wait="' + s.id + '"]').forEach(function (el) { el.textContent = text; });
      });
    }
  });
})();
