// Results page: the account and campaign endpoints of the GoldArena API.
//
// As on the operator page, the session lives in HttpOnly cookies set by the
// login; a request refused with 401 asks POST /api/v1/auth/refresh for a new
// session once, then is tried again.

import { get, post } from '../api.js';
import { getMe, login, logout, seg, withSession } from '../session.js';

export { getMe, login, logout };

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
