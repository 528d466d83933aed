// The dialog and its composer, client side: drafts per dialog (C8), inserting emoji and
// templates at the cursor (C5), drag-and-drop of files onto the dialog, loading older
// messages on scroll without a jump (C3), jumping to a found message (X4), image
// lightbox, and keyboard shortcuts (X5). No state lives here that the server needs.
(function () {
  var DRAFT = "msg_draft:";
  function q(sel, root) { return (root || document).querySelector(sel); }
  function box() { return q('[data-testid="composer-input"]'); }
  function thread() { return document.getElementById("msg-thread"); }
  function isComposer(t) { return t && t.getAttribute && t.getAttribute("data-testid") === "composer-input"; }

  // -- the textarea grows with its text (up to its max-height) ------------------------
  function fit(t) {
    if (!t || !t.getClientRects().length) return;  // hidden (no dialog open): no height to take
    t.style.height = "auto";
    t.style.height = Math.min(t.scrollHeight + 2, 180) + "px";
  }

  // -- drafts, one per dialog, in this browser -----------------------------------------
  function saveDraft(t) {
    var d = t.getAttribute("data-dialog");
    if (!d) return;
    try {
      if (t.value) localStorage.setItem(DRAFT + d, t.value);
      else localStorage.removeItem(DRAFT + d);
    } catch (e) { /* storage full or blocked: the draft just is not kept */ }
  }
  function loadDraft(d) {
    try { return localStorage.getItem(DRAFT + d) || ""; } catch (e) { return ""; }
  }
  document.addEventListener("input", function (e) {
    if (isComposer(e.target)) { saveDraft(e.target); fit(e.target); }
  }, true);
  // Reflex resets the form on submit: forget the draft now; a refused send restores it.
  document.addEventListener("submit", function (e) {
    var t = e.target && e.target.querySelector && e.target.querySelector('[data-testid="composer-input"]');
    if (!t) return;
    var d = t.getAttribute("data-dialog");
    try { if (d) localStorage.removeItem(DRAFT + d); } catch (err) { /* ignore */ }
    setTimeout(function () { fit(t); }, 0);
  }, true);
  window.__msgComposerRestore = function (dialogId, text) {
    var t = box();
    if (!t || String(t.getAttribute("data-dialog")) !== String(dialogId)) {
      try { localStorage.setItem(DRAFT + dialogId, text); } catch (e) { /* ignore */ }
      return;
    }
    if (!t.value) { t.value = text; saveDraft(t); fit(t); }
  };
  window.__msgComposerSent = function (dialogId) {
    try { localStorage.removeItem(DRAFT + dialogId); } catch (e) { /* ignore */ }
  };
  var shown = { el: null, dialog: null };
  function syncDraft() {
    var t = box();
    if (!t) { shown.el = shown.dialog = null; return; }
    var d = t.getAttribute("data-dialog");
    if (t === shown.el && d === shown.dialog) return;
    // a dialog opened while none was (the composer stays mounted, hidden, with "0"): the
    // composer takes the focus, as autoFocus gave it when the composer was mounted per open
    var opened = d && d !== "0" && (t !== shown.el || shown.dialog === "0");
    shown.el = t; shown.dialog = d;
    var v = loadDraft(d);
    if (t.value !== v) { t.value = v; }
    fit(t);
    if (opened) t.focus();
  }

  // -- insert at the cursor (emoji, templates) -----------------------------------------
  window.__msgInsert = function (text, focus) {
    var t = box();
    if (!t || !text) return;
    var s = typeof t.selectionStart === "number" ? t.selectionStart : t.value.length;
    var e = typeof t.selectionEnd === "number" ? t.selectionEnd : s;
    t.setRangeText(text, s, e, "end");
    t.dispatchEvent(new Event("input", { bubbles: true }));
    if (focus) t.focus();
  };
  window.__msgInsertInto = function (selector, text) {
    var t = q(selector);
    if (t && !/^(textarea|input)$/i.test(t.tagName)) t = q("textarea, input", t);
    if (!t) return;
    var s = t.selectionStart, e = t.selectionEnd;
    t.setRangeText(text, s, e, "end");
    t.dispatchEvent(new Event("input", { bubbles: true }));
    t.focus();
  };
  window.__msgFocusComposer = function () {
    var t = box();
    if (t) t.focus();
  };
  document.addEventListener("click", function (e) {
    var b = e.target && e.target.closest && e.target.closest("[data-emoji]");
    if (b) { e.preventDefault(); window.__msgInsert(b.getAttribute("data-emoji")); return; }
    var p = e.target && e.target.closest && e.target.closest("[data-insert-into]");
    if (p) {
      e.preventDefault();
      window.__msgInsertInto(p.getAttribute("data-insert-into"), "{" + p.getAttribute("data-key") + "}");
    }
  });

  // -- drag and drop files onto the dialog -------------------------------------------
  function dropTarget(e) {
    return e.target && e.target.closest && e.target.closest('[data-testid="dialog-view"]');
  }
  function hasFiles(e) {
    var types = e.dataTransfer && e.dataTransfer.types;
    return types && Array.prototype.indexOf.call(types, "Files") !== -1;
  }
  var dragDepth = 0;
  function setDragging(view, on) { if (view) view.classList.toggle("msg-dragging", on); }
  document.addEventListener("dragenter", function (e) {
    var v = dropTarget(e);
    if (v && hasFiles(e)) { dragDepth++; setDragging(v, true); e.preventDefault(); }
  });
  document.addEventListener("dragover", function (e) {
    if (dropTarget(e) && hasFiles(e)) { e.preventDefault(); e.dataTransfer.dropEffect = "copy"; }
  });
  document.addEventListener("dragleave", function (e) {
    var v = dropTarget(e);
    if (v && hasFiles(e) && --dragDepth <= 0) { dragDepth = 0; setDragging(v, false); }
  });
  document.addEventListener("drop", function (e) {
    var v = dropTarget(e);
    if (!v) return;
    dragDepth = 0;
    setDragging(v, false);
    // the attach button's own dropzone handles drops on itself
    if (e.target.closest("#composer-upload")) return;
    if (!e.dataTransfer || !e.dataTransfer.files || !e.dataTransfer.files.length) return;
    e.preventDefault();
    var input = q('#composer-upload input[type="file"]');
    if (!input) return;
    var dt = new DataTransfer();
    Array.prototype.forEach.call(e.dataTransfer.files, function (f) { dt.items.add(f); });
    input.files = dt.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // -- older messages: load on scroll, keep the first visible message in place ---------
  var anchor = null, loadingOlder = false;
  function firstVisible(el) {
    var box = el.getBoundingClientRect(), top = box.top;
    // the message at the top edge, by hit testing: no walk over every message above, whose
    // blocks the browser may not have laid out (.msg-block: content-visibility)
    for (var dy = 2; dy < 120; dy += 24) {
      var hit = document.elementFromPoint(box.left + box.width / 2, top + dy);
      var at = hit && hit.closest && hit.closest('[data-testid="message"]');
      if (at && el.contains(at)) return at;
    }
    var msgs = el.querySelectorAll('[data-testid="message"]');
    for (var i = 0; i < msgs.length; i++) {
      if (msgs[i].getBoundingClientRect().bottom > top + 1) return msgs[i];
    }
    return msgs[0] || null;
  }
  function rememberAnchor() {
    var el = thread();
    if (!el) return;
    var m = firstVisible(el);
    if (!m) return;
    anchor = { id: m.getAttribute("data-id"), offset: m.getBoundingClientRect().top - el.getBoundingClientRect().top,
               first: (q('[data-testid="message"]', el) || m).getAttribute("data-id"), until: Date.now() + 15000 };
    loadingOlder = true;
  }
  function restoreAnchor() {
    if (!anchor) return;
    var el = thread();
    if (!el || Date.now() > anchor.until) { anchor = null; loadingOlder = false; return; }
    var first = q('[data-testid="message"]', el);
    if (!first || first.getAttribute("data-id") === anchor.first) return; // not prepended yet
    var m = q('[data-testid="message"][data-id="' + anchor.id + '"]', el);
    // the page just put above is laid out now, so that its real height is what the thread
    // moves by (a block not rendered yet would count as its placeholder size, .msg-block);
    // once it has been rendered the browser remembers that size for it
    var added = first.closest(".msg-block");
    if (added) {
      added.style.contentVisibility = "visible";
      requestAnimationFrame(function () { requestAnimationFrame(function () { added.style.contentVisibility = ""; }); });
    }
    if (m) {
      var now = m.getBoundingClientRect().top - el.getBoundingClientRect().top;
      el.scrollTop += now - anchor.offset;
    }
    anchor = null;
    setTimeout(function () { loadingOlder = false; }, 250);
  }
  document.addEventListener("click", function (e) {
    if (e.target && e.target.closest && e.target.closest('[data-testid="dialog-load-older"]')) rememberAnchor();
  }, true);
  document.addEventListener("scroll", function (e) {
    var el = e.target;
    if (!el || el.id !== "msg-thread" || loadingOlder || anchor) return;
    if (el.scrollTop < 120) {
      var more = q('[data-testid="dialog-load-older"]', el);
      if (more) more.click();
    }
  }, true);

  // -- jump to a message (search hit) --------------------------------------------------
  window.__msgJumpTo = function (id, tries) {
    tries = tries || 0;
    var el = thread();
    var m = el && q('[data-testid="message"][data-id="' + id + '"]', el);
    if (!m) {
      if (tries < 60) setTimeout(function () { window.__msgJumpTo(id, tries + 1); }, 50);
      return;
    }
    anchor = null;
    loadingOlder = true; // no auto-loading of older messages while we move
    setTimeout(function () {
      m.scrollIntoView({ block: "center" });
      m.classList.remove("msg-flash");
      void m.offsetWidth; // restart the animation
      m.classList.add("msg-flash");
      m.setAttribute("data-highlighted", "true");
      setTimeout(function () {
        m.classList.remove("msg-flash");
        m.removeAttribute("data-highlighted");
      }, 2400);
      setTimeout(function () { loadingOlder = false; }, 600);
    }, 80);
  };

  // -- image lightbox --------------------------------------------------------------------
  function closeLightbox() {
    var lb = q('[data-testid="attachment-lightbox"]');
    if (lb) lb.remove();
  }
  document.addEventListener("click", function (e) {
    var a = e.target && e.target.closest && e.target.closest("[data-lightbox]");
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    closeLightbox();
    var lb = document.createElement("div");
    lb.className = "msg-lightbox";
    lb.setAttribute("data-testid", "attachment-lightbox");
    lb.setAttribute("role", "dialog");
    lb.setAttribute("aria-modal", "true");
    var img = document.createElement("img");
    img.src = a.getAttribute("href");
    img.alt = a.getAttribute("data-name") || "";
    var open = document.createElement("a");
    open.href = a.getAttribute("href");
    open.target = "_blank";
    open.rel = "noopener";
    open.textContent = a.getAttribute("data-name") || "";
    open.className = "msg-lightbox-name";
    lb.appendChild(img);
    lb.appendChild(open);
    lb.addEventListener("click", function (ev) { if (ev.target !== open) closeLightbox(); });
    document.body.appendChild(lb);
  });

  // -- keyboard shortcuts (X5) -----------------------------------------------------------
  function typing(t) {
    if (!t) return false;
    var tag = (t.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || t.isContentEditable;
  }
  function layerOpen() {
    return !!q('[role="dialog"][data-state="open"], [role="alertdialog"][data-state="open"], ' +
               '[role="listbox"]:not([data-testid="dialog-listbox"]), [role="menu"][data-state="open"], [data-testid="attachment-lightbox"]');
  }
  function clickTid(id) {
    var el = q('[data-testid="' + id + '"]');
    if (el) { el.click(); return true; }
    return false;
  }
  function moveDialog(step) {
    var rows = Array.prototype.slice.call(document.querySelectorAll('[data-testid="dialog-row"]'));
    if (!rows.length) return;
    var at = -1;
    for (var i = 0; i < rows.length; i++) if (rows[i].getAttribute("data-active") === "true") at = i;
    var next = at === -1 ? (step > 0 ? 0 : rows.length - 1) : at + step;
    if (next < 0 || next >= rows.length) return;
    rows[next].click();
    rows[next].scrollIntoView({ block: "nearest" });
  }
  // the dialog list is a listbox with one tab stop (roving tabindex): arrows move it
  function moveRowFocus(from, step) {
    var rows = Array.prototype.slice.call(document.querySelectorAll('[data-testid="dialog-row"]'));
    var at = rows.indexOf(from);
    if (at < 0) return;
    var next = rows[Math.max(0, Math.min(rows.length - 1, at + step))];
    if (!next || next === from) return;
    rows.forEach(function (r) { r.setAttribute("tabindex", r === next ? "0" : "-1"); });
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.isComposing) return;
    var t = e.target;
    if (t && t.getAttribute && t.getAttribute("role") === "option" &&
        t.getAttribute("data-testid") === "dialog-row" && !e.altKey && !e.ctrlKey && !e.metaKey) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); t.click(); return; }
      var step = { ArrowDown: 1, ArrowUp: -1, Home: -1e9, End: 1e9 }[e.key];
      if (step) { e.preventDefault(); moveRowFocus(t, step); return; }
    }
    if ((e.key === "Enter" || e.key === " ") && t && t.getAttribute && !e.repeat &&
        /^(button|option|menuitem)$/.test(t.getAttribute("role") || "") &&
        !/^(BUTTON|A|INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) {
      e.preventDefault();  // an element acting as a button works from the keyboard (WCAG 2.1.1)
      t.click();
      return;
    }
    if (e.altKey && !e.ctrlKey && !e.metaKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      if (layerOpen()) return;
      e.preventDefault();
      moveDialog(e.key === "ArrowUp" ? -1 : 1);
      return;
    }
    if (e.key === "Escape") {
      if (q('[data-testid="attachment-lightbox"]')) { closeLightbox(); e.preventDefault(); return; }
      if (layerOpen()) return; // Radix closes its own dialog/popover
      if (clickTid("msg-search-close")) { e.preventDefault(); return; }
      if (q('[data-testid="dialog-view"]') && clickTid("dialog-close")) e.preventDefault();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || layerOpen()) return;
    if (e.key === "/") {
      var s = q('[data-testid="search-input"]');
      if (s) {
        e.preventDefault();
        var input = s.tagName.toLowerCase() === "input" ? s : q("input", s);
        (input || s).focus();
      }
    } else if (e.key === "?") {
      if (clickTid("shortcuts-open")) e.preventDefault();
    }
  });

  new MutationObserver(function () {
    syncDraft();
    restoreAnchor();
  }).observe(document.documentElement, { childList: true, subtree: true, attributes: true,
                                         attributeFilter: ["data-dialog"] });
})();
