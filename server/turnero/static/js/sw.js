/* The tracking pages' service worker (served as /t/sw.js, scope /t/): shows the Web Push
   notifications the server sends for a turn, and opens or focuses its page on a tap.
   It caches nothing: a turn's page is live or it is nothing. */
"use strict";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  if (!data.title) return;
  var call = data.kind === "called" || data.kind === "recall";
  event.waitUntil(self.registration.showNotification(data.title, {
    body: data.body || "",
    tag: data.tag || "turnero",
    renotify: true,               // a recall replaces the call and alerts again
    requireInteraction: call,     // a call stays until it is seen
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/badge-96.png",
    vibrate: call ? [400, 150, 400, 150, 800] : [200],
    data: { url: data.url || "/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  // Only this site's pages: the server's public address may differ from the one in use.
  target = new URL(target.pathname, self.location.origin);
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (open) {
    for (var i = 0; i < open.length; i++) {
      if (new URL(open[i].url).pathname === target.pathname && "focus" in open[i]) return open[i].focus();
    }
    return self.clients.openWindow(target.href);
  }));
});
