// Keep the open dialog scrolled to the newest message when new ones arrive.
window.__msgScrollBottom = function () {
  setTimeout(function () {
    var el = document.getElementById("msg-thread");
    if (el) el.scrollTop = el.scrollHeight;
  }, 60);
};
(function () {
  var stick = true;
  document.addEventListener("scroll", function (e) {
    var el = e.target;
    if (el && el.id === "msg-thread") stick = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  }, true);
  new MutationObserver(function () {
    var el = document.getElementById("msg-thread");
    // not while it is hidden (no dialog open: components/dialog_view.idle), which would force
    // a layout at every change of the page for nothing
    if (el && stick && el.getAttribute("data-msg-idle") !== "true") el.scrollTop = el.scrollHeight;
    a11ySync();
  }).observe(document.documentElement, { childList: true, subtree: true, attributes: true,
                                         attributeFilter: ["data-lang"] });
})();
// WCAG 3.1.1: <html lang> follows the interface language (the page's #msg-lang marker);
// 1.3.1: the file inputs that a drop zone creates get the name its wrapper gives them.
function a11ySync() {
  var mark = document.getElementById("msg-lang");
  var lang = mark && mark.getAttribute("data-lang");
  if (lang && document.documentElement.lang !== lang) document.documentElement.lang = lang;
  var boxes = document.querySelectorAll("[data-msg-file-label]");
  for (var i = 0; i < boxes.length; i++) {
    var input = boxes[i].querySelector('input[type="file"]');
    var name = boxes[i].getAttribute("data-msg-file-label");
    if (input && input.getAttribute("aria-label") !== name) input.setAttribute("aria-label", name);
  }
}
document.addEventListener("DOMContentLoaded", a11ySync);
// C8: Enter sends; Shift+Enter and Ctrl+Enter insert a new line.
window.__msgComposerKey = function (e) {
  if (e.key !== "Enter" || e.isComposing) return;
  if (e.ctrlKey || e.metaKey) {
    e.preventDefault();
    var t = e.target, s = t.selectionStart, en = t.selectionEnd;
    t.setRangeText("\n", s, en, "end");
    t.dispatchEvent(new Event("input", { bubbles: true }));
    return;
  }
  if (e.shiftKey || e.altKey) return;
  e.preventDefault();
  if (!e.repeat && t_form(e.target)) t_form(e.target).requestSubmit();
};
function t_form(t) { return t && t.form; }
// N2: tell the operator when the browser blocks sound, and how to allow it.
window.addEventListener("msg-sound-state", function (e) {
  var state = (e.detail && e.detail.state) || (window.__msgSoundState && window.__msgSoundState());
  var el = document.getElementById("msg-sound-hint");
  if (state === "blocked") {
    if (!el) {
      el = document.createElement("div");
      el.id = "msg-sound-hint";
      el.setAttribute("data-testid", "sound-blocked");
      el.textContent = document.documentElement.lang === "ru"
        ? "🔇 Браузер заблокировал звук — нажмите в любом месте страницы, чтобы включить"
        : "🔇 The browser blocked sound — click anywhere on the page to allow it";
      el.style.cssText = "position:fixed;left:50%;bottom:16px;transform:translateX(-50%);z-index:50;" +
        "background:var(--amber-3,#fff7c2);color:var(--amber-11,#7a5a00);border:1px solid var(--amber-7,#e6c35c);" +
        "border-radius:10px;padding:8px 14px;font-size:13px;box-shadow:0 4px 16px rgba(0,0,0,.12)";
      document.body.appendChild(el);
    }
  } else if (el) {
    el.remove();
  }
});
// WCAG 2.4.3: when a modal or popover closes and the focus fell to <body>, it goes back to the
// control that opened it (or, if that control was re-rendered, to its successor: the same
// test id in the same data-id row).
(function () {
  var LAYER = '[role="dialog"], [role="alertdialog"]';
  var opener = null, openerKey = null, wasOpen = false;
  function keyOf(el) {
    var tid = el.getAttribute && el.getAttribute("data-testid");
    if (!tid) return null;
    var row = el.parentElement && el.parentElement.closest("[data-id]");
    return (row ? '[data-id="' + row.getAttribute("data-id") + '"] ' : "") + '[data-testid="' + tid + '"]';
  }
  document.addEventListener("focusin", function (e) {
    var t = e.target;
    if (t && t.closest && !t.closest(LAYER) && t !== document.body) { opener = t; openerKey = keyOf(t); }
  }, true);
  function restore() {
    var a = document.activeElement;
    if (document.querySelector(LAYER) || (a && a !== document.body)) return;
    var el = opener && document.contains(opener) ? opener : null;
    if (!el && openerKey) { try { el = document.querySelector(openerKey); } catch (err) { el = null; } }
    if (el && el.focus) el.focus();
  }
  new MutationObserver(function () {
    var open = !!document.querySelector(LAYER);
    if (wasOpen && !open) setTimeout(restore, 0);
    wasOpen = open;
  }).observe(document.documentElement, { childList: true, subtree: true });
})();

// Sign-in and sign-out (issue 15; messenger_app/session_cookie.py). The session is an HttpOnly
// cookie that only these requests set and clear, so no script ever reads it; the page reloads
// afterwards because the tab's websocket carries the cookie it had when it connected.
// msgLogin resolves to "" on success (the page is leaving) or the refusal to show. `base`: ""
// (the page's origin, production) or the backend's origin (reflex dev mode).
function msgApi(base, path) {
  return { url: (base || "") + path, credentials: base ? "include" : "same-origin" };
}
window.msgLogin = function (base) {
  var api = msgApi(base, "/api/session");
  function val(id) { var el = document.getElementById(id); return el ? el.value : ""; }
  var lang = localStorage.getItem("msg_lang") || "en";  // AuthState.lang (rx.LocalStorage)
  var body = new URLSearchParams({ username: val("login-username-input"),
                                   password: val("login-password-input"), lang: lang });
  return fetch(api.url, { method: "POST", body: body, credentials: api.credentials,
                          cache: "no-store" })
    .then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (r.ok && j.ok) { window.location.replace("/"); return ""; }
        return j.error || "HTTP " + r.status;
      });
    })
    .catch(function (e) { return String(e && e.message || e); });
};
window.msgLogout = function (base) {
  var api = msgApi(base, "/api/session/logout");
  return fetch(api.url, { method: "POST", credentials: api.credentials, cache: "no-store" })
    .catch(function () {})
    .then(function () { window.location.replace("/login"); });
};
