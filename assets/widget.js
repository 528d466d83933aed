// The website widget's send (/widget): the visitor's message goes over plain HTTP to
// /api/widget/messages, so storing it needs the database only — not the websocket or
// Reflex's state store. The text stays in the box until the server said "stored"; when it
// could not be sent the visitor is told so (role=alert) and can simply press Send again.
(function () {
  if (window.__msgWidgetSend) return;
  var KEY = "msg_widget_visitor"; // = WidgetState.visitor's LocalStorage name
  var sending = false;

  function visitor() {
    var t = null;
    try { t = localStorage.getItem(KEY); } catch (e) { /* storage blocked */ }
    if (!t || !/^[A-Za-z0-9_-]{20,64}$/.test(t)) {
      var bytes = new Uint8Array(24);
      crypto.getRandomValues(bytes);
      t = btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-")
        .replace(/\//g, "_").replace(/=+$/, "");
      try { localStorage.setItem(KEY, t); } catch (e) { /* kept for this page only */ }
    }
    return t;
  }

  function notice(text) {
    var el = document.getElementById("msg-widget-notice");
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
  }

  function message(code) {
    var el = document.getElementById("msg-widget-notice");
    var attr = { rate: "data-rate", too_long: "data-too-long", invalid: "data-refused",
                 empty: "" }[code];
    if (attr === "") return "";
    return (el && el.getAttribute(attr || "data-not-sent")) || "Not sent";
  }

  window.__msgWidgetSend = function (form) {
    var input = form.querySelector('[data-testid="widget-input"]');
    if (!input || sending) return;
    var text = input.value;
    if (!text.trim()) return;
    sending = true;
    form.setAttribute("aria-busy", "true");
    fetch("/api/widget/messages", {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ visitor: visitor(), text: text }),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (r.ok && body.ok) {
          if (input.value === text) input.value = "";
          notice("");
          var refresh = document.querySelector('[data-testid="widget-refresh"]');
          if (refresh) refresh.click();
        } else {
          notice(message(r.status >= 500 ? "" : body.code));
        }
      });
    }, function () {
      notice(message("")); // offline, or the server is unreachable
    }).finally(function () {
      sending = false;
      form.removeAttribute("aria-busy");
    });
  };

  // capture phase on the document: runs before React's handler, which never sees the event
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form || !form.matches || !form.matches('[data-testid="widget-form"]')) return;
    e.preventDefault();
    e.stopPropagation();
    window.__msgWidgetSend(form);
  }, true);
})();
