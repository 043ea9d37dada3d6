// Battle page: the prompt box, used both for the opening prompt and for
// follow-ups.

import { arena } from './state.js';
import { t, tn } from '../i18n/index.js';

/** Characters as the server counts them (code points, not UTF-16 units). */
function charCount(s) {
  return Array.from(s).length;
}

/**
 * Wire a prompt box: character counter, send enabled only for a non-empty
 * prompt within the limit, Enter sends and Shift+Enter starts a new line.
 * Returns the function that refreshes the counter and the send button.
 */
export function composer({ form, input, send, counter, canSend, onSend }) {
  const update = () => {
    const n = charCount(input.value);
    const max = arena.maxPromptChars;
    const over = max !== null && n > max;
    let text = max !== null ? t('composer.countOfMax', { count: n, max }) : tn('composer.count', n);
    if (over) text = t('composer.tooLong', { count: text });
    counter.textContent = text;
    counter.classList.toggle('is-over', over);
    send.disabled = !canSend() || input.value.trim() === '' || over;
  };
  input.addEventListener('input', update);
  input.addEventListener('keydown', (ev) => {
    // isComposing: Enter that confirms an IME composition is not a send.
    if (ev.key !== 'Enter' || ev.shiftKey || ev.altKey || ev.isComposing) return;
    ev.preventDefault();
    if (!send.disabled) form.requestSubmit(send);
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    update();
    if (send.disabled) return;
    onSend(input.value);
  });
  return update;
}
