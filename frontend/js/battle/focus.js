// Battle page: focus, moved on purpose. Every change of state that hides
// or disables the control a voter was on (Send, Stop, a vote button) would
// otherwise drop focus onto the page body; a keyboard or screen-reader user
// would have to start again from the top. Events that call for an action
// (a void battle, a failed turn, the reveal) move focus to that action.

/** The last element that had focus, once the voter has focused anything. */
let lastFocused = null;

document.addEventListener('focusin', (ev) => {
  if (ev.target instanceof HTMLElement && ev.target !== document.body) lastFocused = ev.target;
});

/**
 * Whether `el` can take focus now: in the page, laid out, not disabled.
 * @param {Element|null} el
 */
export function canFocus(el) {
  return (
    el instanceof HTMLElement &&
    el.isConnected &&
    !(/** @type {HTMLButtonElement} */ (el).disabled) &&
    el.getClientRects().length > 0
  );
}

/**
 * Move focus to `el` if it can take it, scrolling it into view only when
 * `scroll` is true. Returns whether it moved.
 * @param {HTMLElement|null} el
 * @param {{scroll?: boolean}} [options]
 */
export function focusOn(el, { scroll = true } = {}) {
  if (!el || !canFocus(el)) return false;
  el.focus({ preventScroll: !scroll });
  return true;
}

/**
 * When focus was lost (it sits on the body, or on something now hidden or
 * disabled) after the voter had focused something, move it to `target`.
 * Nothing moves on a page the voter has not touched yet.
 * @param {HTMLElement|null} target
 */
export function rescueFocus(target) {
  if (lastFocused === null || !target) return;
  const active = document.activeElement;
  if (active && active !== document.body && canFocus(active)) return;
  focusOn(target, { scroll: false });
}
