// Operator page: the state its modules share. The page's elements, who is
// logged in and what happens when the session ends live here and nowhere
// else, so every module reads and changes the same values.
//
// document.body.dataset.state is one of:
//   "loading"  asking the server who is logged in, or loading the models
//   "login"    nobody is logged in: the login form is shown
//   "ready"    an operator is logged in and the models are shown
//   "denied"   someone is logged in whose account may not use this page
//   "error"    something failed; #error says what

import { ApiError } from '../api.js';

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`operator page is missing #${id}`);
  return el;
};

export const ui = {
  error: $('error'),
  loading: $('loading'),

  session: $('session'),
  userEmail: $('user-email'),
  userRole: $('user-role'),
  logout: $('logout'),

  loginView: $('login-view'),
  loginForm: $('login-form'),
  loginError: $('login-error'),
  loginEmail: $('login-email'),
  loginPassword: $('login-password'),
  loginSubmit: $('login-submit'),

  operatorView: $('operator-view'),

  modelsRefresh: $('models-refresh'),
  modelsError: $('models-error'),
  modelsStatus: $('models-status'),
  models: $('models'),
  modelsBody: $('models').tBodies[0],

  voidForm: $('void-form'),
  voidError: $('void-error'),
  voidBattle: $('void-battle'),
  voidReason: $('void-reason'),
  voidSubmit: $('void-submit'),
  voidResult: $('void-result'),

  auditRefresh: $('audit-refresh'),
  auditError: $('audit-error'),
  audit: $('audit'),
  auditBody: $('audit').tBodies[0],
  auditMore: $('audit-more'),
};

/**
 * Who is logged in. `generation` goes up on every login and logout, so that
 * an answer to a request made in an earlier session is dropped.
 * @type {{user: {email: string, role: string, name: string|null} | null, generation: number}}
 */
export const session = { user: null, generation: 0 };

/** @param {"loading"|"login"|"ready"|"denied"|"error"} s */
export function setState(s) {
  document.body.dataset.state = s;
}

/** @returns {string} */
export function state() {
  return document.body.dataset.state || '';
}

let endedHandler = null;

/**
 * Register what to do when the server says the session is gone (the login
 * form, in operator.js).
 * @param {(err: ApiError) => void} fn
 */
export function onSessionEnded(fn) {
  endedHandler = fn;
}

/**
 * When `err` says nobody is logged in any more (401), hand over to the
 * session-ended handler and return true; otherwise return false and let the
 * caller show the error.
 * @param {unknown} err
 */
export function sessionEnded(err) {
  if (err instanceof ApiError && err.status === 401) {
    if (endedHandler) endedHandler(err);
    return true;
  }
  return false;
}

/**
 * A table row holding one message across all `columns` (loading, empty, ...).
 * @param {string} text
 * @param {number} columns
 */
export function messageRow(text, columns) {
  const tr = document.createElement('tr');
  tr.className = 'lb-placeholder';
  const td = document.createElement('td');
  td.colSpan = columns;
  td.textContent = text;
  tr.append(td);
  return tr;
}

/**
 * A table cell of class `cls` holding `text` (as text, never HTML).
 * @param {string} cls
 * @param {string} [text]
 */
export function cell(cls, text) {
  const td = document.createElement('td');
  td.className = cls;
  if (text !== undefined) td.textContent = text;
  return td;
}
