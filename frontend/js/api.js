// Thin fetch wrappers around the GoldArena JSON API (/api/v1).
//
// Requests go to the same origin with its cookies (the voter cookie, and an
// operator's session cookies). Every unsafe request (POST, PATCH, PUT,
// DELETE) is sent as JSON with a JSON body, `{}` when the caller gives none:
// the server refuses any other content type on them (415
// unsupported_media_type).
//
// Every failure is turned into an ApiError with a machine-readable `code`
// and a human-readable `message`. Server errors arrive as
// {"error": {"code": "snake_case", "message": "..."}}; network failures and
// malformed responses get codes of their own ("network_error",
// "invalid_response", "http_<status>").
//
// The server writes its messages in English. On a page in another language
// showError() says what a known code means in that language instead
// (the "error.code.*" strings of the catalogues).

import { has, locale, t } from './i18n/index.js';

const API_BASE = '/api/v1';

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server was not reached
   * @param {string} code snake_case error code
   * @param {string} message human-readable message
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** True when trying the same request again may succeed. */
  get retriable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/**
 * What an error code means, in the interface language, or "" when the
 * catalogue does not know the code.
 * @param {string} code
 */
function codeHint(code) {
  const key = `error.code.${code}`;
  return has(key) ? t(key) : '';
}

/** Methods that change something on the server: always sent with a JSON body. */
const UNSAFE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/**
 * Send one request to the API and return its parsed JSON answer.
 * @param {string} method HTTP method
 * @param {string} path path under /api/v1, starting with "/"
 * @param {unknown} [body] JSON body; unsafe methods send `{}` without one
 * @returns {Promise<any>}
 * @throws {ApiError}
 */
async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (UNSAFE_METHODS.has(method) || body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body === undefined ? {} : body);
  }

  let res;
  try {
    res = await fetch(API_BASE + path, init);
  } catch {
    throw new ApiError(0, 'network_error', codeHint('network_error'));
  }

  let text = '';
  try {
    text = await res.text();
  } catch {
    throw new ApiError(0, 'network_error', codeHint('network_error'));
  }

  let data = null;
  let parsed = false;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
      parsed = true;
    } catch {
      parsed = false;
    }
  }

  if (!res.ok) {
    const err = parsed && data && typeof data === 'object' ? data.error : null;
    const code = err && typeof err.code === 'string' && err.code ? err.code : `http_${res.status}`;
    let message = err && typeof err.message === 'string' ? err.message.trim() : '';
    if (!message) {
      message = codeHint(code) || t('error.httpStatus', { status: `${res.status}${res.statusText ? ` ${res.statusText}` : ''}` });
    }
    throw new ApiError(res.status, code, message);
  }

  if (!parsed) {
    throw new ApiError(res.status, 'invalid_response', t('error.code.invalid_response'));
  }
  return data;
}

/**
 * GET `path` under /api/v1.
 * @param {string} path e.g. "/me"
 */
export function get(path) {
  return request('GET', path);
}

/**
 * POST `body` (as JSON, `{}` by default) to `path` under /api/v1.
 * @param {string} path
 * @param {unknown} [body]
 */
export function post(path, body = {}) {
  return request('POST', path, body);
}

/**
 * PATCH `path` under /api/v1 with the JSON `body` of the fields to change.
 * @param {string} path
 * @param {unknown} [body]
 */
export function patch(path, body = {}) {
  return request('PATCH', path, body);
}

/** GET /api/v1/arena -> what this arena offers, e.g. {live: {enabled, ...}}. */
export function getArena() {
  return request('GET', '/arena');
}

/** POST /api/v1/battles -> a new anonymous battle from the question bank. */
export function createBattle() {
  return request('POST', '/battles', {});
}

/**
 * POST /api/v1/battles with a prompt -> a new live battle whose answers are
 * still pending: read them from streamUrl(battle.id). Without `named` the
 * two models are anonymous; with it, a named battle between the two chosen
 * models (shown from the start, its vote not counted).
 * @param {string} prompt
 * @param {{modelA: string, modelB: string} | null} [named]
 */
export function createLiveBattle(prompt, named = null) {
  if (named) {
    return request('POST', '/battles', { prompt, mode: 'named', model_a: named.modelA, model_b: named.modelB });
  }
  return request('POST', '/battles', { prompt });
}

/** GET /api/v1/battles/{id} */
export function getBattle(battleId) {
  return request('GET', `/battles/${encodeURIComponent(battleId)}`);
}

/** POST /api/v1/battles/{id}/stop: cut both pending answers short. */
export function stopBattle(battleId) {
  return request('POST', `/battles/${encodeURIComponent(battleId)}/stop`, {});
}

/** POST /api/v1/battles/{id}/turns -> the battle with a new, pending last turn. */
export function addTurn(battleId, prompt) {
  return request('POST', `/battles/${encodeURIComponent(battleId)}/turns`, { prompt });
}

/** POST /api/v1/battles/{id}/regenerate -> the battle with its last answers pending again. */
export function regenerateBattle(battleId) {
  return request('POST', `/battles/${encodeURIComponent(battleId)}/regenerate`, {});
}

/**
 * URL of the server-sent event stream of a battle's pending answers
 * (events: delta, done, void, failed, end). Same origin, so the voter cookie goes
 * along and the CSP's connect-src 'self' allows it.
 */
export function streamUrl(battleId) {
  return `${API_BASE}/battles/${encodeURIComponent(battleId)}/stream`;
}

/**
 * POST /api/v1/battles/{id}/vote
 * @param {string} battleId
 * @param {"model_a"|"model_b"|"tie"|"tie (bothbad)"} verdict
 */
export function castVote(battleId, verdict) {
  return request('POST', `/battles/${encodeURIComponent(battleId)}/vote`, { verdict });
}

/**
 * Fill an error box with a readable description of `err`. Everything is
 * inserted as text, never as HTML.
 * @param {HTMLElement} box
 * @param {string} title what failed, e.g. "Could not start a battle."
 * @param {unknown} err
 */
export function showError(box, title, err) {
  box.replaceChildren();
  const heading = document.createElement('strong');
  heading.className = 'alert-title';
  heading.textContent = title;
  box.append(heading);

  let message;
  let code = null;
  if (err instanceof ApiError) {
    code = err.code;
    // The server's words are English: another language says what the code means.
    const hint = codeHint(err.code);
    message = (locale() !== 'en' && hint) || err.message || hint || t('error.generic');
  } else if (err instanceof Error) {
    message = err.message || t('error.generic');
  } else {
    message = String(err ?? t('error.generic'));
  }

  const text = document.createElement('span');
  text.className = 'alert-message';
  text.textContent = message;
  box.append(' ', text);

  if (code) {
    const codeEl = document.createElement('code');
    codeEl.className = 'alert-code';
    codeEl.textContent = code;
    box.append(' ', codeEl);
  }
  box.hidden = false;
}

/** Empty and hide an error box. */
export function clearError(box) {
  box.replaceChildren();
  box.hidden = true;
}

/**
 * A button for an error box that runs `action`: "try again", "reconnect".
 * @param {string} label
 * @param {() => void} action
 * @returns {HTMLButtonElement}
 */
export function retryButton(label, action) {
  const btn = document.createElement('button');
  btn.type = 'button';
  btn.className = 'btn btn-small alert-action';
  btn.textContent = label;
  btn.addEventListener('click', action);
  return btn;
}
