// The signed-in pages' session: logging in sets HttpOnly session cookies that
// every later request carries (api.js sends same-origin credentials), so no
// page ever holds a token. When a request is refused with 401, the page asks
// POST /api/v1/auth/refresh for a new session once, then tries the request
// again; only when that fails too is the session over.

import { ApiError, get, post } from './api.js';

/** Encodes one path segment. */
export const seg = (s) => encodeURIComponent(String(s));

/** The refresh under way, shared by every request refused at the same time. */
let refreshing = null;

/** POST /api/v1/auth/refresh: new session cookies from the refresh cookie. */
function refreshSession() {
  if (!refreshing) {
    refreshing = post('/auth/refresh', {}).finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/**
 * Run `call`; when it is refused with 401, renew the session once and run it
 * again. Rejects with the first 401 when the session cannot be renewed.
 * @template T
 * @param {() => Promise<T>} call
 * @returns {Promise<T>}
 */
export async function withSession(call) {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) throw err;
    try {
      await refreshSession();
    } catch {
      throw err;
    }
    return call();
  }
}

/**
 * POST /api/v1/auth/login -> {access_token, token_type, expires_in, user}.
 * Fails with 401 invalid_credentials or 429 rate_limited.
 * @param {string} email
 * @param {string} password
 */
export function login(email, password) {
  return post('/auth/login', { email, password });
}

/** POST /api/v1/auth/logout: end the session and clear its cookies. */
export function logout() {
  return post('/auth/logout', {});
}

/** GET /api/v1/me -> {email, role, name, specialties, languages}, or 401 unauthenticated. */
export function getMe() {
  return withSession(() => get('/me'));
}
