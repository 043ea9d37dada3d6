// Expert page: keyboard shortcuts, as the page lists them under
// "Keyboard shortcuts":
//   1 2 3 4      the overall preference: A better, B better, tie, both bad
//   Enter        submit, once the judgment is complete
//   Ctrl+Enter   submit, from anywhere, a text field included (⌘+Enter on a Mac)
// Tab and the arrow keys move through the radio groups as browsers do.
//
// Typing is never taken over: in a text field, a text area, a select or
// anything editable, the keys type as usual (only Ctrl/⌘+Enter submits).
// Enter keeps its own meaning on buttons, links and the like. Nothing
// happens unless an item is shown and ready (body[data-state="ready"]).

/**
 * Whether `el` takes typed text: then the single-key shortcuts are off.
 * @param {EventTarget|null} el
 */
export function isTyping(el) {
  if (!(el instanceof HTMLElement)) return false;
  if (el.isContentEditable) return true;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) {
    return !['radio', 'checkbox', 'button', 'submit', 'reset', 'image', 'range', 'color', 'file'].includes(el.type);
  }
  return false;
}

/** Whether Enter on `el` already means something (follow a link, press a button, ...). */
function enterActs(el) {
  if (!(el instanceof HTMLElement)) return false;
  if (el.closest('a[href], button, summary, [role="button"], [role="link"]')) return true;
  if (el instanceof HTMLInputElement && ['button', 'submit', 'reset', 'image', 'file', 'color'].includes(el.type)) {
    return true;
  }
  return false;
}

/**
 * Listen for the shortcuts.
 * @param {{
 *   active: () => boolean,
 *   preference: (index: number) => void,
 *   submit: () => void,
 * }} handlers `active` says whether an item is ready; `preference` gets 0 to 3
 *   for the keys 1 to 4; `submit` is asked to send the judgment (it checks
 *   that the judgment is complete).
 */
export function setupKeys({ active, preference, submit }) {
  document.addEventListener('keydown', (ev) => {
    if (ev.defaultPrevented || ev.isComposing || ev.altKey) return;
    if (!active()) return;
    const target = ev.target;

    if (ev.key === 'Enter') {
      if (ev.shiftKey) return;
      if (ev.ctrlKey || ev.metaKey) {
        ev.preventDefault();
        submit();
        return;
      }
      if (isTyping(target) || enterActs(target)) return;
      // A radio or a checkbox, or nothing in particular: Enter submits (and
      // never lets the browser submit the form on its own).
      ev.preventDefault();
      submit();
      return;
    }

    if (ev.ctrlKey || ev.metaKey || isTyping(target)) return;
    const index = ['1', '2', '3', '4'].indexOf(ev.key);
    if (index >= 0) {
      ev.preventDefault();
      preference(index);
    }
  });
}
