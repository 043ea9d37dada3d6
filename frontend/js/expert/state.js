// Expert page: the state its modules share. The page's elements, who is
// logged in, the campaign and the item being judged live here and nowhere
// else, so every module reads and changes the same values.
//
// document.body.dataset.state is one of:
//   "loading"      asking the server who is logged in, or for the next item
//   "no-campaign"  the page was opened without ?campaign=ID
//   "login"        nobody is logged in: the login form is shown
//   "ready"        an item is shown and can be judged
//   "busy"         a judgment or a skip is being saved, or the next item loads
//   "done"         the expert has nothing left in this campaign
//   "denied"       the account may not judge this campaign (403)
//   "closed"       the campaign is not open (409 campaign_not_open)
//   "not-found"    there is no such campaign (404)
//   "error"        something else failed; #error says what

import { ApiError, showError } from '../api.js';
import { has, locale, t } from '../i18n/index.js';

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`expert page is missing #${id}`);
  return el;
};

export const ui = {
  error: $('error'),
  announcer: $('announcer'),
  loading: $('loading'),
  noCampaign: $('no-campaign'),

  session: $('session'),
  userEmail: $('user-email'),
  userRole: $('user-role'),
  logout: /** @type {HTMLButtonElement} */ ($('logout')),

  loginView: $('login-view'),
  loginForm: /** @type {HTMLFormElement} */ ($('login-form')),
  loginError: $('login-error'),
  loginEmail: /** @type {HTMLInputElement} */ ($('login-email')),
  loginPassword: /** @type {HTMLInputElement} */ ($('login-password')),
  loginSubmit: /** @type {HTMLButtonElement} */ ($('login-submit')),

  progressWrap: $('progress-wrap'),
  progressLabel: $('progress-label'),
  progress: /** @type {HTMLProgressElement} */ ($('progress')),

  doneView: $('done-view'),
  doneTitle: $('done-title'),

  workspace: $('workspace'),
  itemMeta: $('item-meta'),
  question: $('question'),
  questionBody: $('question-body'),
  body: { a: $('body-a'), b: $('body-b') },
  safety: {
    a: /** @type {HTMLInputElement} */ ($('safety-a')),
    b: /** @type {HTMLInputElement} */ ($('safety-b')),
  },
  safetyField: { a: $('safety-a-field'), b: $('safety-b-field') },
  safetyReason: {
    a: /** @type {HTMLInputElement} */ ($('safety-a-reason')),
    b: /** @type {HTMLInputElement} */ ($('safety-b-reason')),
  },

  form: /** @type {HTMLFormElement} */ ($('judgment-form')),
  axes: $('axes'),
  preference: $('preference'),
  comment: /** @type {HTMLTextAreaElement} */ ($('comment')),
  missingTitle: $('missing-title'),
  missing: $('missing'),
  submit: /** @type {HTMLButtonElement} */ ($('submit')),

  skipToggle: /** @type {HTMLButtonElement} */ ($('skip-toggle')),
  skipForm: /** @type {HTMLFormElement} */ ($('skip-form')),
  skipReason: /** @type {HTMLInputElement} */ ($('skip-reason')),
  skipSubmit: /** @type {HTMLButtonElement} */ ($('skip-submit')),
  skipCancel: /** @type {HTMLButtonElement} */ ($('skip-cancel')),
};

/** The two answers, in the order they are shown. */
export const SIDES = ['a', 'b'];

/**
 * Who is logged in, the campaign (from ?campaign=ID, null when missing or
 * malformed), the item shown (the server's `next` answer) and the last
 * progress the server gave. `generation` goes up on every login and logout,
 * so that an answer to a request made in an earlier session is dropped.
 * @type {{
 *   user: {email?: string, role?: string} | null,
 *   generation: number,
 *   campaign: string | null,
 *   item: any,
 *   progress: {done: number, total: number} | null,
 * }}
 */
export const session = { user: null, generation: 0, campaign: null, item: null, progress: null };

/** @param {string} s one of the states at the top of this file */
export function setState(s) {
  document.body.dataset.state = s;
}

/** @returns {string} */
export function state() {
  return document.body.dataset.state || '';
}

let pending = 0;

/**
 * Say `text` through the polite live region. The region is emptied first,
 * so that the same words said twice are read out twice.
 * @param {string} text
 */
export function announce(text) {
  const mine = ++pending;
  ui.announcer.textContent = '';
  window.setTimeout(() => {
    if (mine === pending) ui.announcer.textContent = text;
  }, 50);
}

/**
 * `err` with its message in the interface language when this page knows
 * its code (the "expert.error.*" strings: the campaign errors the shared
 * catalogue does not name); otherwise `err` itself, which showError()
 * translates from the shared "error.code.*" strings.
 * @param {unknown} err
 */
export function explain(err) {
  if (err instanceof ApiError && locale() !== 'en') {
    const key = `expert.error.${err.code}`;
    if (has(key)) return new ApiError(err.status, err.code, t(key));
  }
  return err;
}

/**
 * Fill an error box with `title` and what `err` means (as text, never HTML).
 * @param {HTMLElement} box
 * @param {string} title
 * @param {unknown} err
 */
export function showProblem(box, title, err) {
  showError(box, title, explain(err));
}

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
 * Move focus to `el` if it can take it. Returns whether it moved.
 * @param {HTMLElement|null} el
 */
export function focusOn(el) {
  if (!el || !canFocus(el)) return false;
  el.focus();
  return true;
}
