// Battle page: nothing the voter focuses may hide behind the sticky vote
// bar (WCAG 2.2, focus not obscured). While the bar sticks to the bottom of
// the window, the page's scroll padding is kept at its height, so that the
// browser scrolls a focused link or button of the answers clear of it. The
// controls after the answers (follow-up, "Regenerate both answers") sit
// below the bar in the page, where it never covers them.

import { ui } from './state.js';

/** Keep --vote-bar-block (used by scroll-padding-bottom in app.css) at the bar's height. */
export function watchVoteBar() {
  const root = document.documentElement;
  const update = () => {
    const sticky = !ui.voteBar.hidden && getComputedStyle(ui.voteBar).position === 'sticky';
    const height = sticky ? Math.ceil(ui.voteBar.getBoundingClientRect().height) : 0;
    // CSSOM, not a style attribute in the markup: allowed by the CSP.
    root.style.setProperty('--vote-bar-block', `${height}px`);
  };
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(update).observe(ui.voteBar);
  }
  window.addEventListener('resize', update);
  new MutationObserver(update).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  update();
}
