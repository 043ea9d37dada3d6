// Results page: the account and campaign endpoints of the GoldArena API.
//
// As on the operator page, the session lives in HttpOnly cookies set by the
// login; a request refused with 401 asks POST /api/v1/auth/refresh for a new
// session once, then is tried again.

import { ApiError, get, post } from '../api.js';

const seg = (s) => encodeURIComponent(String(s));

let refreshing = null;

function refreshSession() {
  if (!refreshing) {
    refreshing = post('/auth/refresh', {}).finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

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

/** POST /api/v1/auth/login -> {access_token, ..., user}. */
export function login(email, password) {
  return post('/auth/login', { email, password });
}

/** POST /api/v1/auth/logout */
export function logout() {
  return post('/auth/logout', {});
}

/** GET /api/v1/me -> {email, role, ...}, or 401. */
export function getMe() {
  return withSession(() => get('/me'));
}

/** GET /api/v1/campaigns/{id}/results -> CampaignResults. */
export function getResults(id) {
  return withSession(() => get(`/campaigns/${seg(id)}/results`));
}

/** GET /api/v1/campaigns/{id}/adjudication -> {items: [...]}. */
export function getQueue(id) {
  return withSession(() => get(`/campaigns/${seg(id)}/adjudication`));
}

/**
 * POST /api/v1/campaigns/{id}/adjudication: resolve an item as `verdict`
 * (in the item's own orientation).
 * @param {string} id
 * @param {number} itemId
 * @param {"model_a"|"model_b"|"tie"} verdict
 */
export function resolveItem(id, itemId, verdict) {
  return withSession(() => post(`/campaigns/${seg(id)}/adjudication`, { item_id: itemId, verdict }));
}

/** Where the export of campaign `id` in `format` ("jsonl" or "csv") is downloaded. */
export function exportUrl(id, format) {
  return `/api/v1/campaigns/${seg(id)}/export?format=${seg(format)}`;
}
