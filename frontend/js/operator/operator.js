// Operator page: log in, then manage the models, void battles and read the
// audit log.
//
// On load the page asks GET /api/v1/me who is logged in: nobody (401) shows
// the login form; someone shows the operator views, filled from the admin
// endpoints. The session lives in HttpOnly cookies set by the login, so the
// page never holds a token; any 401 later on (the session ended) brings the
// login form back. A 403 on the models means the account may not use this
// page. See state.js for the values of document.body.dataset.state.
//
// The page is split into modules under ./ (this folder):
//   state.js    the shared state: elements, who is logged in, page state
//   client.js   the account and operator endpoints
//   models.js   the Models table (toggle active / deprecated, weight)
//   void.js     the "Void a battle" form and restoring a battle
//   audit.js    the audit log and its "Load more"
// This file wires them to the page, logs in and out, and starts it.

import { ApiError, clearError, retryButton, showError } from '../api.js';
import { getMe, login, logout } from './client.js';
import { onSessionEnded, session, setState, ui } from './state.js';
import { loadModels, onModelChanged, resetModels, setupModels } from './models.js';
import { onBattleChanged, resetVoid, setupVoid } from './void.js';
import { loadAudit, resetAudit, setupAudit } from './audit.js';

/**
 * Show one of the page's views: "loading", "login", "operator", or "none"
 * (only the #error box).
 * @param {"loading"|"login"|"operator"|"none"} view
 */
function showView(view) {
  ui.loading.hidden = view !== 'loading';
  ui.loginView.hidden = view !== 'login';
  ui.operatorView.hidden = view !== 'operator';
}

/**
 * Show who is logged in in the header, or nobody.
 * @param {{email?: string, role?: string} | null} user
 */
function showUser(user) {
  session.user = user;
  ui.session.hidden = !user;
  ui.userEmail.textContent = user && typeof user.email === 'string' ? user.email : '';
  ui.userRole.textContent = user && typeof user.role === 'string' ? user.role : '';
}

/** Forget everything the last session showed. */
function resetViews() {
  resetModels();
  resetVoid();
  resetAudit();
}

/**
 * Nobody is logged in: show the login form, with `reason` (why the last
 * session ended) in its error box if there is one.
 * @param {unknown} [reason]
 */
function showLogin(reason = null) {
  session.generation += 1;
  showUser(null);
  resetViews();
  clearError(ui.error);
  if (reason) {
    showError(ui.loginError, 'Please log in again.', reason);
  } else {
    clearError(ui.loginError);
  }
  setLoginBusy(false);
  showView('login');
  setState('login');
  (ui.loginEmail.value ? ui.loginPassword : ui.loginEmail).focus();
}

/**
 * Someone is logged in: show the operator views and load them.
 * @param {{email?: string, role?: string}} user
 */
async function enter(user) {
  session.generation += 1;
  const generation = session.generation;
  showUser(user);
  resetViews();
  clearError(ui.error);
  showView('operator');
  setState('loading');
  try {
    if (!(await loadModels())) return;
  } catch (err) {
    if (generation !== session.generation) return;
    if (err instanceof ApiError && err.status === 401) {
      showLogin(err);
      return;
    }
    showView('none');
    if (err instanceof ApiError && err.status === 403) {
      const role = user && typeof user.role === 'string' && user.role ? ` (${user.role})` : '';
      showError(ui.error, `Your account${role} may not use the operator tools.`, err);
      setState('denied');
      return;
    }
    showError(ui.error, 'Could not load the models.', err);
    ui.error.append(' ', retryButton('Try again', () => enter(user)));
    setState('error');
    return;
  }
  if (generation !== session.generation) return;
  setState('ready');
  loadAudit();
}

function setLoginBusy(on) {
  ui.loginSubmit.disabled = on;
  ui.loginSubmit.textContent = on ? 'Logging in…' : 'Log in';
  ui.loginForm.setAttribute('aria-busy', String(on));
}

async function submitLogin(ev) {
  ev.preventDefault();
  if (ui.loginSubmit.disabled) return;
  const email = ui.loginEmail.value.trim();
  const password = ui.loginPassword.value;
  if (!email || !password) {
    showError(ui.loginError, 'Could not log in.', new Error('Enter your email and your password.'));
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
    showError(ui.loginError, 'Could not log in.', err);
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
    // 401: the session had ended already, which is what was asked for.
    if (!(err instanceof ApiError && err.status === 401)) {
      ui.logout.disabled = false;
      showError(ui.error, 'Could not log out.', err);
      return;
    }
  }
  ui.logout.disabled = false;
  showLogin();
}

// ------------------------------------------------------------------- wiring

onSessionEnded((err) => showLogin(err));
onModelChanged(() => loadAudit());
onBattleChanged(() => loadAudit());
setupModels();
setupVoid();
setupAudit();
ui.loginForm.addEventListener('submit', submitLogin);
ui.logout.addEventListener('click', () => submitLogout());

async function start() {
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
    showError(ui.error, 'Could not check your session.', err);
    ui.error.append(' ', retryButton('Try again', () => start()));
    setState('error');
    return;
  }
  await enter(user && typeof user === 'object' ? user : {});
}

start();
