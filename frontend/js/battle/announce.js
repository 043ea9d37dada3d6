// Battle page: what screen readers are told about the answers, through the
// polite live region #answers-status (visually hidden). The answer panes
// themselves are not live regions: a streamed answer read out token by
// token would drown everything else.

import { ui } from './state.js';

let pending = 0;

/**
 * Say `text` through the live region. The region is emptied first, so that
 * the same words said twice (two rounds in a row) are read out twice.
 * @param {string} text
 */
export function announce(text) {
  const mine = ++pending;
  ui.answersStatus.textContent = '';
  window.setTimeout(() => {
    if (mine === pending) ui.answersStatus.textContent = text;
  }, 50);
}

/** Forget what was said (a new round). */
export function clearAnnouncement() {
  pending += 1;
  ui.answersStatus.textContent = '';
}
