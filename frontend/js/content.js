// Model content made keyboard-friendly once the server's sanitised HTML is
// in the page. Shared by the voter's battle page and the expert workspace.

/**
 * Wraps every table of `root` in a horizontally scrolling box, and makes each
 * box that can scroll sideways (code blocks, table boxes) reachable with the
 * keyboard, so that a keyboard user can scroll it too (WCAG 2.1.1; axe's
 * scrollable-region-focusable).
 * @param {HTMLElement} root
 */
export function prepareContent(root) {
  for (const table of root.querySelectorAll('table')) {
    const parent = table.parentElement;
    if (parent && parent.classList.contains('table-scroll')) continue;
    const wrap = document.createElement('div');
    wrap.className = 'table-scroll';
    table.replaceWith(wrap);
    wrap.append(table);
  }
  for (const box of root.querySelectorAll('pre, .table-scroll')) {
    if (!box.hasAttribute('tabindex')) box.tabIndex = 0;
  }
}
