/* The tracking page as an app, and its notifications: registers the service worker
   (/t/sw.js, which shows the pushes) and, where the browser can receive Web Push and no
   phone is on file for the turn, offers "Allow notifications". The server decides when
   to notify (near the front, called, recalled); this only hands it the subscription. */
(function () {
  "use strict";
  var D = (window.Turnero && window.Turnero.data) || {};
  var P = D.push;
  if (!P || !("serviceWorker" in navigator)) return;
  var ready = navigator.serviceWorker.register(P.sw, { scope: "/t/" }).then(function () {
    return navigator.serviceWorker.ready;
  });
  ready.catch(function () { /* no worker: the page still updates while open */ });

  var box = document.querySelector("[data-push]");
  if (!box || !("PushManager" in window) || !("Notification" in window)) return;
  var onButton = box.querySelector("[data-push-on]");
  var state = box.querySelector("[data-push-state]");
  var offButton = box.querySelector("[data-push-off]");
  var error = box.querySelector("[data-push-error]");
  var storeKey = "turnero:push:" + D.token.slice(0, 16);

  // The endpoint this page handed the server for this turn ("" when off).
  function mine(endpoint) {
    try {
      if (endpoint === undefined) return localStorage.getItem(storeKey) || "";
      if (endpoint) localStorage.setItem(storeKey, endpoint); else localStorage.removeItem(storeKey);
    } catch (e) { /* private mode: the state lasts as long as the page */ }
    return endpoint || "";
  }
  var foot = document.querySelector("[data-push-foot]");
  function show(on, problem) {
    box.hidden = false;
    onButton.hidden = on || problem === P.blocked;
    state.hidden = !on;
    error.hidden = !problem;
    error.textContent = problem || "";
    if (foot) foot.hidden = !!on;  // "give your number for an alert" no longer applies
  }
  function b64(bytes) {
    var s = ""; bytes = new Uint8Array(bytes);
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function unb64(text) {
    var s = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  function send(method, body) {
    return fetch(P.url, { method: method, headers: { "Content-Type": "application/json" },
                          body: JSON.stringify(body), credentials: "same-origin" });
  }

  function subscription(registration, key) {
    return registration.pushManager.getSubscription().then(function (sub) {
      var current = sub && sub.options && sub.options.applicationServerKey;
      if (sub && current && b64(current) !== key) {
        // The server's key changed (rotated): the old subscription no longer works.
        return sub.unsubscribe().then(function () { return null; });
      }
      return sub;
    }).then(function (sub) {
      return sub || registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: unb64(key) });
    });
  }

  // A subscription for this turn, handed to the server when it is not the one it has.
  function enable() {
    return Promise.all([ready, fetch(P.key).then(function (r) { return r.json(); })]).then(function (both) {
      return subscription(both[0], both[1].key);
    }).then(function (sub) {
      if (sub.endpoint === mine()) return sub;
      return send("POST", sub.toJSON()).then(function (response) {
        if (!response.ok) throw new Error("refused");
        return sub;
      });
    }).then(function (sub) { return mine(sub.endpoint); });
  }

  function turnOn() {
    onButton.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error(permission === "denied" ? "blocked" : "dismissed");
      return enable();
    }).then(function () {
      show(true);
      offButton.focus();  // the button pressed is gone: keep the place on the page
    }).catch(function (e) {
      show(false, e && e.message === "blocked" ? P.blocked : e && e.message === "dismissed" ? "" : P.failed);
    }).then(function () { onButton.disabled = false; });
  }

  function turnOff() {
    offButton.disabled = true;
    // This browser only: the turn's other devices keep theirs.
    send("DELETE", { endpoint: mine() || null })
      .then(function (response) {
        if (!response.ok) throw new Error("refused");
        show(!!mine(""));
        onButton.focus();
      })
      .catch(function () { show(true, P.failed_off); })
      .then(function () { offButton.disabled = false; });
  }

  onButton.addEventListener("click", turnOn);
  offButton.addEventListener("click", turnOff);
  if (Notification.permission === "denied") { show(false, P.blocked); return; }
  if (mine() && Notification.permission === "granted") {
    // On before: the same subscription, or a new one after the server's key changed.
    enable().then(function () { show(true); }, function () { show(false, P.failed); });
  } else {
    show(false);
  }
})();
