// Results page (/results?campaign=ID): an operator reads the results of a
// blind evaluation campaign and resolves the items waiting for adjudication.
//
// On load the page reads the campaign from ?campaign=ID, then asks
// GET /api/v1/me who is logged in: nobody (401) shows the login form (as on
// the operator page); someone gets GET .../results and GET .../adjudication.
// A 403 means the account may not read results (experts, voters).
// Resolving a queued item POSTs .../adjudication {item_id, verdict}, then
// reloads the queue and the results.
//
// document.body.dataset.state is one of: "loading", "no-campaign", "login",
// "ready", "busy" (an item is being resolved), "denied", "not-found", "error".
//
// Modules: client.js (the endpoints), render.js (the tables).

import { ApiError, clearError, retryButton, showError } from '../api.js';
import { has, startPage, t } from '../i18n/index.js';
import { exportUrl, getMe, getQueue, getResults, login, logout, resolveItem } from './client.js';
import { renderQueue, renderResults, verdictName } from './render.js';

startPage();

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`results page is missing #${id}`);
  return el;
};

const ui = {
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
  view: $('results-view'),
  refresh: /** @type {HTMLButtonElement} */ ($('refresh')),
  summaryTitle: $('summary-title'),
  summary: $('summary'),
  exportJsonl: /** @type {HTMLAnchorElement} */ ($('export-jsonl')),
  exportCsv: /** @type {HTMLAnchorElement} */ ($('export-csv')),
  board: /** @type {HTMLTableElement} */ ($('board')),
  wtl: /** @type {HTMLTableElement} */ ($('wtl')),
  safety: /** @type {HTMLTableElement} */ ($('safety')),
  flagged: $('flagged'),
  agreement: $('agreement'),
  axes: /** @type {HTMLTableElement} */ ($('axes')),
  pairs: /** @type {HTMLTableElement} */ ($('pairs')),
  raters: /** @type {HTMLTableElement} */ ($('raters')),
  crowdSection: $('crowd-section'),
  crowd: $('crowd'),
  crowdPairs: /** @type {HTMLTableElement} */ ($('crowd-pairs')),
  progress: $('progress'),
  perRater: /** @type {HTMLTableElement} */ ($('per-rater')),
  queue: /** @type {HTMLTableElement} */ ($('queue')),
  queueError: $('queue-error'),
};

const session = { user: null, generation: 0, campaign: /** @type {string|null} */ (null) };

const setState = (s) => {
  document.body.dataset.state = s;
};

function announce(text) {
  ui.announcer.textContent = '';
  window.setTimeout(() => {
    ui.announcer.textContent = text;
  }, 50);
}

/** @param {"loading"|"no-campaign"|"login"|"results"|"none"} view */
function showView(view) {
  ui.loading.hidden = view !== 'loading';
  ui.noCampaign.hidden = view !== 'no-campaign';
  ui.loginView.hidden = view !== 'login';
  ui.view.hidden = view !== 'results';
}

function campaignFromUrl() {
  const raw = new URLSearchParams(window.location.search).get('campaign');
  const id = raw === null ? '' : raw.trim();
  return /^[1-9][0-9]{0,9}$/.test(id) ? id : null;
}

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
  ui.loginSubmit.textContent = on ? t('results.login.busy') : t('results.login.submit');
  ui.loginForm.setAttribute('aria-busy', String(on));
}

function showLogin(reason = null) {
  session.generation += 1;
  showUser(null);
  clearError(ui.error);
  if (reason) showError(ui.loginError, t('results.login.again'), reason);
  else clearError(ui.loginError);
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
    showError(ui.loginError, t('results.login.failed'), new Error(t('results.login.missing')));
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
    showError(ui.loginError, t('results.login.failed'), err);
    ui.loginPassword.select();
    ui.loginPassword.focus();
    return;
  }
  if (generation !== session.generation) return;
  ui.loginPassword.value = '';
  setLoginBusy(false);
  await enter(user);
}

async function submitLogout() {
  if (ui.logout.disabled) return;
  ui.logout.disabled = true;
  try {
    await logout();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) {
      ui.logout.disabled = false;
      showError(ui.error, t('results.logoutFailed'), err);
      return;
    }
  }
  ui.logout.disabled = false;
  showLogin();
}

// ---------------------------------------------------------------- results

/**
 * A request failed: the login form when the session ended, a state of its
 * own for 403 and 404, else the error with a retry. Returns nothing.
 */
function failed(err, title, retry) {
  if (err instanceof ApiError && err.status === 401) {
    showLogin(err);
    return;
  }
  if (err instanceof ApiError && (err.status === 403 || err.status === 404)) {
    showView('none');
    showError(ui.error, t(err.status === 403 ? 'results.denied' : 'results.notFound'), err);
    setState(err.status === 403 ? 'denied' : 'not-found');
    return;
  }
  showView('none');
  showError(ui.error, title, err);
  ui.error.append(' ', retryButton(t('common.tryAgain'), retry));
  setState('error');
}

async function enter(user) {
  session.generation += 1;
  showUser(user);
  clearError(ui.error);
  await load();
}

/** Load the results and the queue, and show them. */
async function load() {
  const generation = session.generation;
  const first = ui.view.hidden;
  if (first) showView('loading');
  setState('loading');
  ui.refresh.disabled = true;
  let results;
  let queue;
  try {
    [results, queue] = await Promise.all([getResults(session.campaign), getQueue(session.campaign)]);
  } catch (err) {
    if (generation !== session.generation) return;
    ui.refresh.disabled = false;
    failed(err, t('results.loadFailed'), () => load());
    return;
  }
  if (generation !== session.generation) return;
  ui.refresh.disabled = false;
  clearError(ui.error);
  if (!results || typeof results !== 'object') {
    failed(new ApiError(200, 'invalid_response', t('error.code.invalid_response')), t('results.loadFailed'), () => load());
    return;
  }
  renderResults(ui, results);
  showQueue(queue);
  showView('results');
  setState('ready');
}

function showQueue(queue) {
  const items = queue && typeof queue === 'object' && Array.isArray(queue.items) ? queue.items : [];
  clearError(ui.queueError);
  renderQueue(ui, items, decide);
  ui.queue.setAttribute('aria-busy', 'false');
}

let deciding = false;

/** Resolve `itemId` as `verdict`, then reload the queue and the results. */
async function decide(itemId, verdict, button) {
  if (deciding) return;
  deciding = true;
  const generation = session.generation;
  setState('busy');
  ui.queue.setAttribute('aria-busy', 'true');
  for (const b of ui.queue.querySelectorAll('button[data-verdict]')) b.setAttribute('aria-disabled', 'true');
  try {
    await resolveItem(session.campaign, itemId, verdict);
  } catch (err) {
    deciding = false;
    if (generation !== session.generation) return;
    if (err instanceof ApiError && err.status === 401) {
      showLogin(err);
      return;
    }
    for (const b of ui.queue.querySelectorAll('button[data-verdict]')) b.removeAttribute('aria-disabled');
    ui.queue.setAttribute('aria-busy', 'false');
    showError(ui.queueError, t('results.queue.failed'), err);
    setState('ready');
    button.focus();
    return;
  }
  deciding = false;
  if (generation !== session.generation) return;
  announce(t('results.queue.resolved', { item: String(itemId), verdict: verdictName(verdict) }));
  await load();
  if (!ui.view.hidden) $('queue-title').focus();
}

// ------------------------------------------------------------------ start

ui.loginForm.addEventListener('submit', submitLogin);
ui.logout.addEventListener('click', () => submitLogout());
ui.refresh.addEventListener('click', () => load());

async function start() {
  session.campaign = campaignFromUrl();
  if (session.campaign === null) {
    showView('no-campaign');
    setState('no-campaign');
    return;
  }
  ui.exportJsonl.href = exportUrl(session.campaign, 'jsonl');
  ui.exportCsv.href = exportUrl(session.campaign, 'csv');
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
    showError(ui.error, t('results.sessionFailed'), err);
    ui.error.append(' ', retryButton(t('common.tryAgain'), () => start()));
    setState('error');
    return;
  }
  await enter(user && typeof user === 'object' ? user : {});
}

start();
