// The new-message sound (N2), played ONCE per message however many tabs are open.
//
//   window.__msgPlaySound(messageId)
//       -> Promise<"played"|"duplicate"|"blocked"|"unsupported"|"error">
//       "duplicate": another tab (or this one) already played this message.
//       "blocked": the browser's autoplay policy refused (no click on the page yet).
//   window.__msgSoundState() -> "unknown"|"ok"|"blocked"|"unsupported"
//       "blocked" -> the UI says: sound is blocked, click anywhere or allow sound for this site.
//       The next click/key press on the page unlocks it (state becomes "ok").
//   Event on window: "msg-sound-state" {detail: {state}} whenever the state changes.
//
// Once across tabs: the tabs of one origin share Web Locks (navigator.locks) and
// localStorage. Under the exclusive lock "msg-sound:<id>" a tab checks the played-list in
// localStorage, tries to play, and records the id only when play() succeeded — so the check
// and the set are atomic (set-if-absent), and when this tab is blocked the next tab waiting
// for the lock still gets its chance. After a successful play the lock is held 1.5 s more,
// because localStorage writes reach other tabs (other renderer processes) asynchronously.
// Without Web Locks (Safari < 15.4) a claim in localStorage plus a random delay and a
// re-check makes double plays unlikely.
(function () {
  "use strict";
  var SRC = "/sounds/new-message.wav";
  var KEY = "msg-sound-played";
  var KEEP_MS = 10 * 60 * 1000;
  var HOLD_MS = 1500;
  var state = "unknown";
  var audio = null;

  function setState(s) {
    if (s === state) return;
    state = s;
    window.dispatchEvent(new CustomEvent("msg-sound-state", { detail: { state: s } }));
  }

  function player() {
    if (!audio && typeof Audio !== "undefined") {
      audio = new Audio(SRC);
      audio.preload = "auto";
    }
    return audio;
  }

  function played() {
    try {
      var map = JSON.parse(localStorage.getItem(KEY) || "{}");
      return map && typeof map === "object" ? map : {};
    } catch (e) { return {}; }
  }

  function remember(id) {
    var now = Date.now(), map = played(), out = {};
    Object.keys(map).forEach(function (k) { if (now - map[k] < KEEP_MS) out[k] = map[k]; });
    out[id] = now;
    try { localStorage.setItem(KEY, JSON.stringify(out)); } catch (e) { /* private mode */ }
  }

  function play() {
    var a = player();
    if (!a) { setState("unsupported"); return Promise.resolve("unsupported"); }
    try { a.currentTime = 0; } catch (e) { /* not loaded yet */ }
    var p;
    try { p = a.play(); } catch (e) { p = Promise.reject(e); }
    // never hold the cross-tab lock for long if the file does not load
    var slow = new Promise(function (r, j) { setTimeout(function () { j(new Error("timeout")); }, 3000); });
    return Promise.race([Promise.resolve(p), slow]).then(function () { setState("ok"); return "played"; },
      function (e) {
        if (e && e.name === "NotAllowedError") { setState("blocked"); return "blocked"; }
        return "error";
      });
  }

  function once(id) {
    if (played()[id]) return Promise.resolve("duplicate");
    return play().then(function (r) { if (r === "played") remember(id); return r; });
  }

  window.__msgPlaySound = function (messageId) {
    var id = String(messageId);
    if (navigator.locks && navigator.locks.request) {
      return new Promise(function (resolve) {
        navigator.locks.request("msg-sound:" + id, function () {
          return once(id).then(function (r) {
            resolve(r);
            // localStorage reaches other tabs' processes a moment later: keep them waiting
            // for the lock until they can see that this message has rung
            if (r === "played") return new Promise(function (done) { setTimeout(done, HOLD_MS); });
          });
        }).catch(function () { resolve("error"); });
      });
    }
    // Fallback: claim, wait a random moment, and play only if our claim survived.
    if (played()[id]) return Promise.resolve("duplicate");
    var claimKey = KEY + ":" + id, me = Math.random().toString(36).slice(2);
    try { localStorage.setItem(claimKey, me); } catch (e) { return play(); }
    return new Promise(function (r) { setTimeout(r, 20 + Math.random() * 80); }).then(function () {
      if (localStorage.getItem(claimKey) !== me || played()[id]) return "duplicate";
      return once(id);
    }).then(function (r) {
      if (r !== "duplicate") try { localStorage.removeItem(claimKey); } catch (e) { /* ignore */ }
      return r;
    });
  };

  window.__msgSoundState = function () { return state; };

  // The inbox page's #msg-ring (components/common.ring_marker) carries, in data-ring, the
  // ids of the inbound messages of the last live update that ring: each change plays each
  // id once (a page that mounts with a value does not ring again: only a change does).
  function rang(records) {
    records.forEach(function (rec) {
      var el = rec.target;
      if (el.id !== "msg-ring") return;
      (el.getAttribute("data-ring") || "").split(",").forEach(function (id) {
        if (/^[0-9]+$/.test(id) && window.__msgPlaySound) window.__msgPlaySound(parseInt(id, 10));
      });
    });
  }
  if (typeof MutationObserver !== "undefined") {
    new MutationObserver(rang).observe(document.documentElement,
      { subtree: true, attributes: true, attributeFilter: ["data-ring"] });
  }

  // Any click or key press is the user gesture that lifts the autoplay block: warm up the
  // audio element silently so the next message can ring.
  function unlock() {
    if (state !== "blocked" && state !== "unknown") return;
    var a = player();
    if (!a || !a.paused) return;
    a.muted = true;
    var p;
    try { p = a.play(); } catch (e) { p = Promise.reject(e); }
    Promise.resolve(p).then(function () {
      a.pause();
      a.currentTime = 0;
      a.muted = false;
      setState("ok");
    }, function () { a.muted = false; });
  }
  ["pointerdown", "keydown", "touchend"].forEach(function (t) {
    document.addEventListener(t, unlock, true);
  });
})();
