// Messenger service worker (N1, N3): shows Web Push notifications and opens the dialog
// when one is clicked. No fetch handler: every request (pages, API, websocket) goes straight
// to the network, nothing is cached. Recent Chromium does not need one to install the app.
"use strict";

var ICON = "/icons/icon-192.png";
var BADGE = "/icons/badge-96.png";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

// Payload (JSON, from services/push.py): {title, body, tag, url, dialog_id, message_id}
self.addEventListener("push", function (event) {
  var d = {};
  if (event.data) {
    try { d = event.data.json() || {}; } catch (e) { d = { body: event.data.text() }; }
  }
  var tag = String(d.tag || "messenger");
  event.waitUntil(self.registration.showNotification(String(d.title || "Messenger"), {
    body: String(d.body || ""),
    tag: tag,            // notifications of one dialog replace each other...
    renotify: true,      // ...and still ring/vibrate for each new message
    icon: ICON,
    badge: BADGE,
    timestamp: Date.now(),
    data: { url: String(d.url || "/"), dialog_id: d.dialog_id || null }
  }));
});

// Ask the page to open the dialog; true when push.js in it answered.
function askPage(win, msg) {
  return new Promise(function (resolve) {
    var ch = new MessageChannel();
    var timer = setTimeout(function () { resolve(false); }, 1500);
    ch.port1.onmessage = function () { clearTimeout(timer); resolve(true); };
    win.postMessage(msg, [ch.port2]);
  });
}

// Focus an open app window and show the dialog there; open a window when there is none.
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  var url = new URL(data.url || "/", self.location.origin);
  if (url.origin !== self.location.origin) url = new URL("/", self.location.origin);
  var msg = { type: "msg-open-dialog", url: url.href, dialog_id: data.dialog_id || null };
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (wins) {
      var win = wins.filter(function (w) { return w.focused; })[0] ||
                wins.filter(function (w) { return w.visibilityState === "visible"; })[0] || wins[0];
      if (!win) return self.clients.openWindow(url.href);
      return win.focus().catch(function () { return win; }) // focusing may be refused
        .then(function (w) { win = w || win; return askPage(win, msg); })
        .then(function (handled) { return handled ? win : win.navigate(url.href); })
        .catch(function () { return self.clients.openWindow(url.href); });
    }));
});
