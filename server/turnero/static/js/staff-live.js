/* The staff console's live connection: the branch's room over Socket.IO (and the staff
   room for managers); each change of the branch redraws what it touched. Then the
   first drawing, and the waiting times ticking by the minute. Loaded last. */
(function () {
  "use strict";
  var C = window.TurneroStaff;
  if (!C) return;
  var cfg = C.cfg, T = C.texts, branch = C.branch, $ = C.$;
  var fmt = C.fmt, say = C.say;
  var lastSeq = -1;

  function setLive(state) {
    var live = $("live");
    live.dataset.state = state;
    live.textContent = state === "live" ? T.live : T.reconnecting;
  }

  function resync(state) {
    if (state) {
      lastSeq = state.seq;
      C.renderCalls(state.calling || []);
      C.renderLines(state.services || []);
    }
    C.loadWaiting();
    C.refreshCurrent();
    C.loadCounters();
    C.loadNoShows();
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
      C.addLowRating(rating);
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
  setInterval(function () { C.renderWaiting(); C.renderCounters(); if (C.current) C.renderCurrent(); }, 30000);

  C.renderCounter();
  C.renderCurrent();
  C.renderRatings();
  C.loadWaiting();
  C.loadHistory();
  C.loadCounters();
  C.loadNoShows();
})();
