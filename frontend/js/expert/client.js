// Expert page: the account and campaign endpoints of the GoldArena API.
//
// As on the operator page, logging in sets HttpOnly session cookies that
// every later request carries (api.js sends same-origin credentials); the
// page never holds a token. When a request is refused with 401, the page
// asks POST /api/v1/auth/refresh for a new session once, then tries the
// request again; only when that fails too is the session over.

import { ApiError, get, post } from '../api.js';
import { getMe, login, logout, seg, withSession } from '../session.js';

export { getMe, login, logout };

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
