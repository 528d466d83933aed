"""Waiting in browser tests for what a step really needs, instead of a guessed pause.

settled(page): before a screenshot or a measurement of positions. Waits until the fonts and
images have loaded, no finite CSS animation or transition runs (a hover fading out, a dialog
sliding in, smooth scrolling) and nothing on the page moved or scrolled for a few animation
frames in a row. Endless animations (a spinner) do not count.

until(cond): for a condition outside the page (what a fake provider recorded): polls it.
"""

from __future__ import annotations

import time

SETTLED_JS = """([frames, limitMs]) => new Promise((resolve, reject) => {
  const giveUp = setTimeout(() => reject(new Error(`the page did not settle in ${limitMs} ms`)),
                            limitMs);
  const moving = () => document.getAnimations().some(a => a.playState === 'running'
      && a.effect && a.effect.getComputedTiming().endTime !== Infinity);
  const loading = () => Array.from(document.images).some(i => !i.complete);
  const layout = () => {
    const parts = [document.scrollingElement ? document.scrollingElement.scrollTop : 0];
    for (const el of document.querySelectorAll('[data-testid]')) {
      const r = el.getBoundingClientRect();
      parts.push(r.x, r.y, r.width, r.height, el.scrollTop);
    }
    return parts.join(',');
  };
  document.fonts.ready.then(() => {
    let last = null, still = 0;
    const tick = () => {
      const now = layout();
      still = (now === last && !moving() && !loading()) ? still + 1 : 0;
      last = now;
      if (still >= frames) { clearTimeout(giveUp); resolve(true); }
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
})"""


def settled(page, frames: int = 3, timeout_ms: int = 10_000) -> None:
    """Wait until `page` is still (see the module docstring); an error after `timeout_ms`."""
    page.evaluate(SETTLED_JS, [frames, timeout_ms])


def until(cond, timeout: float = 15.0, every: float = 0.05, what: str = "the condition"):
    """Poll `cond()` until it returns something true (returned); AssertionError after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} was not met in {timeout} s")
        time.sleep(every)
