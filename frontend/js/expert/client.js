// Expert page: the account and campaign endpoints of the GoldArena API.
//
// As on the operator page, logging in sets HttpOnly session cookies that
// every later request carries (api.js sends same-origin credentials); the
// page never holds a token. When a request is refused with 401, the page
// asks POST /api/v1/auth/refresh for a new session once, then tries the
// request again; only when that fails too is the session over.

import { ApiError, get, post } from '../api.js';

const seg = (s) => encodeURIComponent(String(s));

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
async function withSession(call) {
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

/**
 * GET /api/v1/campaigns/{id}/next -> the expert's next item
 * {item_id, question: [turns], a, b (sanitised HTML), rubric: {id, axes: [{key, label}]},
 * progress: {done, total}}, or null when nothing is left (204 No Content).
 * Fails with 403 forbidden (not a rater of the campaign), 404
 * campaign_not_found or 409 campaign_not_open.
 * @param {string} campaign
 */
export async function nextItem(campaign) {
  try {
    return await withSession(() => get(`/campaigns/${seg(campaign)}/next`));
  } catch (err) {
    // api.js wants a JSON body; a 204 has none and arrives here as an
    // unreadable response with status 204.
    if (err instanceof ApiError && err.status === 204) return null;
    throw err;
  }
}

/**
 * POST /api/v1/campaigns/{id}/judgments -> 201 {item_id, stored}.
 * Fails with 400 invalid_body (a missing axis, an unknown verdict, an empty
 * safety reason) or 409 already_judged.
 * @param {string} campaign
 * @param {{item_id: number, preference: string, axes: Record<string, string>,
 *   safety_flags: {a: string|null, b: string|null}, comment: string|null}} judgment
 */
export function sendJudgment(campaign, judgment) {
  return withSession(() => post(`/campaigns/${seg(campaign)}/judgments`, judgment));
}

/**
 * POST /api/v1/campaigns/{id}/skip -> {item_id, skipped}.
 * @param {string} campaign
 * @param {number} itemId
 * @param {string} reason
 */
export function skipItem(campaign, itemId, reason) {
  return withSession(() => post(`/campaigns/${seg(campaign)}/skip`, { item_id: itemId, reason }));
}
