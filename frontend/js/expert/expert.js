// Expert page (/expert?campaign=ID): an expert of a blind evaluation
// campaign logs in, then judges the items assigned to them one by one.
//
// On load the page reads the campaign from ?campaign=ID (a friendly message
// when it is missing), then asks GET /api/v1/me who is logged in: nobody
// (401) shows the login form; someone gets the next item of the campaign,
// GET /api/v1/campaigns/{id}/next. The server always hands out the next
// item the expert has not judged or skipped, so a reload (or another
// device) resumes where the expert stopped; 204 means nothing is left (the
// "done" view). A judgment goes to POST .../judgments, a skip with its
// reason to POST .../skip; either way the next item follows, focus moves to
// its question and the live region says which item it is.
//
// The session lives in HttpOnly cookies set by the login, as on the
// operator page. See state.js for the values of document.body.dataset.state.
//
// The page is split into modules under ./ (this folder):
//   state.js      the shared state: elements, session, campaign, page state
//   client.js     the account and campaign endpoints
//   workspace.js  the item on screen and the judgment being made
//   keys.js       the keyboard shortcuts
// This file wires them to the page, logs in and out, and starts it.

import { ApiError, clearError, retryButton } from '../api.js';
import { has, startPage, t } from '../i18n/index.js';
import { getMe, login, logout, nextItem, sendJudgment, skipItem } from './client.js';
import { SIDES, announce, focusOn, session, setState, showProblem, state, ui } from './state.js';
import {
  PREFERENCES,
  choosePreference,
  firstMissingControl,
  isComplete,
  itemSentence,
  judgmentBody,
  missingSentence,
  preferenceLabel,
  renderItem,
  showProgress,
  showSkip,
  syncSafety,
  updateCompleteness,
} from './workspace.js';
import { setupKeys } from './keys.js';

startPage();

/**
 * Show one of the page's views (and nothing else but the #error box).
 * @param {"loading"|"no-campaign"|"login"|"item"|"done"|"none"} view
 */
function showView(view) {
  ui.loading.hidden = view !== 'loading';
  ui.noCampaign.hidden = view !== 'no-campaign';
  ui.loginView.hidden = view !== 'login';
  ui.workspace.hidden = view !== 'item';
  ui.doneView.hidden = view !== 'done';
  if (view === 'no-campaign' || view === 'login' || view === 'none') showProgress(null);
}

/** The campaign of ?campaign=ID, or null when it is missing or not a number. */
function campaignFromUrl() {
  const raw = new URLSearchParams(window.location.search).get('campaign');
  const id = raw === null ? '' : raw.trim();
  return /^[1-9][0-9]{0,9}$/.test(id) ? id : null;
}

/**
 * Show who is logged in in the header, or nobody.
 * @param {{email?: string, role?: string} | null} user
 */
function showUser(user) {
  session.user = user;
  ui.session.hidden = !user;
  ui.userEmail.textContent = user && typeof user.email === 'string' ? user.email : '';
  const role = user && typeof user.role === 'string' ? user.role : '';
  ui.userRole.textContent = role && has(`expert.role.${role}`) ? t(`expert.role.${role}`) : role;
}

// ------------------------------------------------------------------ login

function setLoginBusy(on) {
  ui.loginSubmit.disabled = on;
  ui.loginSubmit.textContent = on ? t('expert.login.busy') : t('expert.login.submit');
  ui.loginForm.setAttribute('aria-busy', String(on));
}

/**
 * Nobody is logged in: show the login form, with `reason` (why the last
 * session ended) in its error box if there is one.
 * @param {unknown} [reason]
 */
function showLogin(reason = null) {
  session.generation += 1;
  session.item = null;
  showUser(null);
  clearError(ui.error);
  if (reason) {
    showProblem(ui.loginError, t('expert.login.again'), reason);
  } else {
    clearError(ui.loginError);
  }
  setLoginBusy(false);
  showView('login');
  setState('login');
  (ui.loginEmail.value ? ui.loginPassword : ui.loginEmail).focus();
}

async function submitLogin(ev) {
  ev.preventDefault();
  if (ui.loginSubmit.disabled) return;
  const email = ui.loginEmail.value.trim();
  const password = ui.loginPassword.value;
  if (!email || !password) {
    showProblem(ui.loginError, t('expert.login.failed'), new Error(t('expert.login.missing')));
    (email ? ui.loginPassword : ui.loginEmail).focus();
    return;
  }

  const generation = session.generation;
  setLoginBusy(true);
  clearError(ui.loginError);
  let user;
  try {
    const res = await login(email, password);
    user = res && typeof res === 'object' ? res.user : null;
    if (!user || typeof user !== 'object' || typeof user.email !== 'string') user = await getMe();
  } catch (err) {
    if (generation !== session.generation) return;
    setLoginBusy(false);
    showProblem(ui.loginError, t('expert.login.failed'), err);
    ui.loginPassword.select();
    ui.loginPassword.focus();
    return;
  }
  if (generation !== session.generation) return;
  ui.loginPassword.value = '';
  setLoginBusy(false);
  await enter(user, { focus: true });
}

async function submitLogout() {
  if (ui.logout.disabled) return;
  ui.logout.disabled = true;
  try {
    await logout();
  } catch (err) {
    // 401: the session had ended already, which is what was asked for.
    if (!(err instanceof ApiError && err.status === 401)) {
      ui.logout.disabled = false;
      showProblem(ui.error, t('expert.logoutFailed'), err);
      return;
    }
  }
  ui.logout.disabled = false;
  showLogin();
}

// ------------------------------------------------------------- the items

/**
 * Someone is logged in: load their next item.
 * @param {{email?: string, role?: string}} user
 * @param {{focus?: boolean}} [options] move focus to the item (after an action)
 */
async function enter(user, options = {}) {
  session.generation += 1;
  showUser(user);
  clearError(ui.error);
  await loadNext({ focus: Boolean(options.focus) });
}

/**
 * Ask for the next item and show it, or the "done" view.
 * @param {{focus?: boolean, said?: string}} [options] `focus`: move focus to
 *   the new item; `said`: what to announce before the item (e.g. "Judgment saved.")
 */
async function loadNext({ focus = false, said = '' } = {}) {
  const generation = session.generation;
  if (session.item === null) showView('loading');
  setState(session.item === null ? 'loading' : 'busy');
  ui.workspace.setAttribute('aria-busy', 'true');
  let item;
  try {
    item = await nextItem(session.campaign);
  } catch (err) {
    if (generation !== session.generation) return;
    ui.workspace.setAttribute('aria-busy', 'false');
    failed(err, t('expert.loadFailed'), () => loadNext({ focus: true }));
    return;
  }
  if (generation !== session.generation) return;
  ui.workspace.setAttribute('aria-busy', 'false');
  clearError(ui.error);

  if (item === null) {
    session.item = null;
    const last = session.progress;
    if (last && last.total > 0) showProgress({ done: last.total, total: last.total });
    showView('done');
    setState('done');
    announce([said, t('expert.announce.done')].filter(Boolean).join(' '));
    if (focus) focusOn(ui.doneTitle);
    return;
  }
  if (!item || typeof item !== 'object' || item.item_id === undefined || item.item_id === null) {
    failed(new ApiError(200, 'invalid_response', t('error.code.invalid_response')), t('expert.loadFailed'), () =>
      loadNext({ focus: true }),
    );
    return;
  }

  renderItem(item);
  showView('item');
  setState('ready');
  announce([said, itemSentence()].filter(Boolean).join(' '));
  if (focus) focusOn(ui.question);
}

/**
 * A request failed: the login form for an ended session, a view of its own
 * for a campaign the expert may not judge, is not open or does not exist,
 * else the error with a retry.
 * @param {unknown} err
 * @param {string} title what failed
 * @param {() => void} retry
 */
function failed(err, title, retry) {
  if (err instanceof ApiError && err.status === 401) {
    showLogin(err);
    return;
  }
  const known = {
    403: ['denied', 'expert.denied'],
    404: ['not-found', 'expert.notFound'],
    409: ['closed', 'expert.closed'],
  };
  if (err instanceof ApiError && err.status in known && err.code !== 'already_judged') {
    const [pageState, key] = known[err.status];
    session.item = null;
    showView('none');
    showProblem(ui.error, t(key), err);
    setState(pageState);
    return;
  }
  showProblem(ui.error, title, err);
  ui.error.append(' ', retryButton(t('common.tryAgain'), retry));
  // An item stays on screen (and can be sent again) when only the send failed.
  setState(session.item !== null && !ui.workspace.hidden ? 'ready' : 'error');
  if (session.item !== null) updateCompleteness();
}

/** Send the judgment, if it is complete; else say (and focus) what is missing. */
async function submitJudgment() {
  if (state() !== 'ready' || session.item === null) return;
  if (!isComplete()) {
    updateCompleteness();
    announce(missingSentence());
    focusOn(/** @type {HTMLElement|null} */ (firstMissingControl()));
    return;
  }
  const body = judgmentBody();
  const generation = session.generation;
  setState('busy');
  ui.submit.disabled = true;
  ui.submit.textContent = t('expert.submitting');
  ui.skipToggle.disabled = true;
  clearError(ui.error);
  let said = t('expert.announce.saved');
  try {
    await sendJudgment(session.campaign, body);
  } catch (err) {
    if (generation !== session.generation) return;
    ui.submit.textContent = t('expert.submit');
    ui.skipToggle.disabled = false;
    if (!(err instanceof ApiError && err.code === 'already_judged')) {
      failed(err, t('expert.submitFailed'), () => submitJudgment());
      return;
    }
    // Judged meanwhile (another tab): go on with the next item.
    said = t('expert.alreadyJudged');
  }
  if (generation !== session.generation) return;
  ui.submit.textContent = t('expert.submit');
  ui.skipToggle.disabled = false;
  await loadNext({ focus: true, said });
}

async function submitSkip(ev) {
  ev.preventDefault();
  if (state() !== 'ready' || session.item === null) return;
  const reason = ui.skipReason.value.trim();
  if (!reason) {
    ui.skipReason.focus();
    return;
  }
  const generation = session.generation;
  setState('busy');
  ui.skipSubmit.disabled = true;
  ui.submit.disabled = true;
  clearError(ui.error);
  let said = t('expert.announce.skipped');
  try {
    await skipItem(session.campaign, session.item.item_id, reason);
  } catch (err) {
    if (generation !== session.generation) return;
    ui.skipSubmit.disabled = false;
    if (!(err instanceof ApiError && err.code === 'already_judged')) {
      failed(err, t('expert.skipFailed'), () => ui.skipForm.requestSubmit());
      return;
    }
    said = t('expert.alreadyJudged');
  }
  if (generation !== session.generation) return;
  await loadNext({ focus: true, said });
}

// ------------------------------------------------------------------ wiring

ui.loginForm.addEventListener('submit', submitLogin);
ui.logout.addEventListener('click', () => submitLogout());

ui.form.addEventListener('change', () => updateCompleteness());
ui.form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  submitJudgment();
});
for (const side of SIDES) {
  ui.safety[side].addEventListener('change', () => {
    syncSafety(side);
    updateCompleteness();
  });
  ui.safetyReason[side].addEventListener('input', () => updateCompleteness());
}

ui.skipToggle.addEventListener('click', () => {
  const open = ui.skipForm.hidden;
  showSkip(open);
  if (open) ui.skipReason.focus();
});
ui.skipCancel.addEventListener('click', () => {
  showSkip(false);
  ui.skipToggle.focus();
});
ui.skipReason.addEventListener('input', () => {
  ui.skipSubmit.disabled = ui.skipReason.value.trim() === '';
});
ui.skipForm.addEventListener('submit', submitSkip);

setupKeys({
  active: () => state() === 'ready' && session.item !== null && !ui.workspace.hidden,
  preference: (index) => {
    const value = PREFERENCES[index];
    choosePreference(value);
    announce(t('expert.announce.preference', { choice: preferenceLabel(value) }));
  },
  submit: () => submitJudgment(),
});

async function start() {
  session.campaign = campaignFromUrl();
  if (session.campaign === null) {
    showView('no-campaign');
    setState('no-campaign');
    return;
  }
  setState('loading');
  showView('loading');
  let user;
  try {
    user = await getMe();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      showLogin();
      return;
    }
    showView('none');
    showProblem(ui.error, t('expert.sessionFailed'), err);
    ui.error.append(' ', retryButton(t('common.tryAgain'), () => start()));
    setState('error');
    return;
  }
  await enter(user && typeof user === 'object' ? user : {});
}

start();
