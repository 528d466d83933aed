// Web Push, page side (N1, N3). Registers the service worker /sw.js (also what makes the
// app installable) and subscribes this browser for pushes of the signed-in operator.
//
//   window.__msgPushEnable()    -> Promise<"granted"|"denied"|"default"|"unsupported"|"error">
//       Call it from a click (Safari/Firefox only ask for permission inside a user gesture).
//       "granted" = permission given AND the subscription is stored on the server;
//       "default" = the prompt was dismissed; "error" = see window.__msgPushError.
//       Any element with a data-msg-push-enable attribute calls it on click, inside the
//       gesture, and gets the result in its data-msg-push-status attribute.
//   window.__msgPushState()     -> "granted"|"denied"|"default"|"unsupported"   (synchronous)
//   window.__msgPushSubscribed()-> Promise<boolean>  this browser has a push subscription
//   window.__msgPushDisable()   -> Promise<"off"|"unsupported"|"error">
//   window.__msgPushSync()      -> Promise: re-send the subscription (e.g. right after login)
// Events on window: "msg-push-state" {detail: {state}}; "msg-open-dialog" {detail: {url,
// dialog_id}} when a notification was clicked — call preventDefault() to open the dialog
// without a reload, otherwise the page navigates to detail.url.
(function () {
  "use strict";
  var hasSW = "serviceWorker" in navigator && window.isSecureContext;
  var hasPush = hasSW && "PushManager" in window && "Notification" in window;
  var registering = null;

  function register() {
    if (!hasSW) return Promise.reject(new Error("service workers are not available"));
    if (!registering) {
      registering = navigator.serviceWorker.register("/sw.js", { scope: "/" })
        .catch(function (e) { registering = null; throw e; });
    }
    return registering;
  }

  function keyBytes(b64) {
    var s = b64.replace(/-/g, "+").replace(/_/g, "/");
    s += "===".slice((s.length + 3) % 4);
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function keyB64(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function api(url, body) {
    var opts = { credentials: "same-origin", cache: "no-store" };
    if (body !== undefined) {
      opts.method = "POST";
      opts.headers = { "Content-Type": "application/json" };
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error(j.error || url + ": HTTP " + r.status);
        return j;
      });
    });
  }

  // Make sure this browser has a subscription made with the server's current key, and
  // store it for the signed-in operator.
  function sync() {
    if (!hasPush) return Promise.reject(new Error("push is not supported here"));
    return Promise.all([register().then(function () { return navigator.serviceWorker.ready; }),
                        api("/api/push/key")])
      .then(function (res) {
        var reg = res[0], key = res[1].key;
        return reg.pushManager.getSubscription().then(function (sub) {
          var old = sub && sub.options && sub.options.applicationServerKey;
          if (old && keyB64(old) !== key) return sub.unsubscribe().then(function () { return null; });
          return sub;
        }).then(function (sub) {
          return sub || reg.pushManager.subscribe({ userVisibleOnly: true,
                                                    applicationServerKey: keyBytes(key) });
        });
      })
      .then(function (sub) { return api("/api/push/subscribe", sub.toJSON()); });
  }

  function announce(state) {
    window.__msgPushLast = state;
    window.dispatchEvent(new CustomEvent("msg-push-state", { detail: { state: state } }));
    return state;
  }

  function askPermission() {
    if (Notification.permission !== "default") return Promise.resolve(Notification.permission);
    return new Promise(function (resolve) {
      var p = Notification.requestPermission(resolve); // old Safari: callback only
      if (p && p.then) p.then(resolve, function () { resolve(Notification.permission); });
    });
  }

  window.__msgPushState = function () {
    return hasPush ? Notification.permission : "unsupported";
  };

  window.__msgPushEnable = function () {
    if (!hasPush) return Promise.resolve(announce("unsupported"));
    return askPermission().then(function (perm) {
      if (perm !== "granted") return announce(perm);
      return sync().then(function () { window.__msgPushError = ""; return announce("granted"); },
                         function (e) { window.__msgPushError = String(e && e.message || e);
                                        return announce("error"); });
    });
  };

  window.__msgPushSubscribed = function () {
    if (!hasPush) return Promise.resolve(false);
    return register().then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (sub) { return !!sub; }, function () { return false; });
  };

  window.__msgPushDisable = function () {
    if (!hasPush) return Promise.resolve("unsupported");
    return register().then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (sub) {
        if (!sub) return "off";
        return api("/api/push/unsubscribe", { endpoint: sub.endpoint })
          .catch(function () {}) // signed out: still drop it in the browser
          .then(function () { return sub.unsubscribe(); })
          .then(function () { return "off"; });
      })
      .then(announce, function (e) { window.__msgPushError = String(e && e.message || e);
                                     return announce("error"); });
  };

  window.__msgPushSync = function () {
    if (!hasPush || Notification.permission !== "granted") return Promise.resolve(false);
    return sync().then(function () { return true; }, function () { return false; });
  };

  // Buttons marked data-msg-push-enable: ask inside the click itself (user gesture).
  document.addEventListener("click", function (e) {
    var el = e.target && e.target.closest && e.target.closest("[data-msg-push-enable]");
    if (!el) return;
    window.__msgPushEnable().then(function (state) { el.setAttribute("data-msg-push-status", state); });
  }, true);

  if (!hasSW) return;
  // A notification was clicked while this window is open (sw.js asks, we answer).
  navigator.serviceWorker.addEventListener("message", function (e) {
    var m = e.data || {};
    if (m.type !== "msg-open-dialog") return;
    if (e.ports && e.ports[0]) e.ports[0].postMessage("ok");
    var ev = new CustomEvent("msg-open-dialog", { detail: m, cancelable: true });
    if (window.dispatchEvent(ev) && m.url) window.location.assign(m.url);
  });
  register().catch(function (e) { console.warn("service worker:", e); });
  // Signed in with permission already given: refresh the subscription (new key, new
  // operator on this browser, or the server dropped it after a push service said 410).
  if (hasPush && Notification.permission === "granted" &&
      document.cookie.indexOf("msg_session=") !== -1) {
    window.__msgPushSync();
  }
})();
