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
    if (el && stick) el.scrollTop = el.scrollHeight;
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
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
