// Operator page: the account and operator endpoints of the GoldArena API.
//
// Logging in sets HttpOnly session cookies; every later request carries them
// (api.js sends same-origin credentials), so the access token in the login
// answer is never stored by the page. The access cookie is short-lived:
// when a request is refused with 401, the page asks POST /api/v1/auth/refresh
// (which reads the refresh cookie) for a new session once, then tries the
// request again; only when that fails too is the session over.

import { get, patch, post } from '../api.js';
import { getMe, login, logout, seg, withSession } from '../session.js';

export { getMe, login, logout };

/** GET /api/v1/admin/models -> {models: [...]}; 403 forbidden below the operator role. */
export function listModels() {
  return withSession(() => get('/admin/models'));
}

/**
 * PATCH /api/v1/admin/models/{name} -> the updated model.
 * @param {string} name the model's slug
 * @param {{active?: boolean, deprecated?: boolean, weight?: number, display_name?: string,
 *   organization?: string, license?: string, knowledge_cutoff?: string}} changes
 */
export function updateModel(name, changes) {
  return withSession(() => patch(`/admin/models/${seg(name)}`, changes));
}

/**
 * POST /api/v1/admin/battles/{id}/void -> {battle_id, status: "void", void_reason}.
 * Fails with 404 battle_not_found or 409 battle_closed.
 * @param {string} battleId
 * @param {string} reason
 */
export function voidBattle(battleId, reason) {
  return withSession(() => post(`/admin/battles/${seg(battleId)}/void`, { reason }));
}

/**
 * POST /api/v1/admin/battles/{id}/restore -> {battle_id, status: "voted"}.
 * @param {string} battleId
 */
export function restoreBattle(battleId) {
  return withSession(() => post(`/admin/battles/${seg(battleId)}/restore`, {}));
}

/**
 * GET /api/v1/admin/audit -> {entries: [...], next_before}, newest first.
 * @param {{limit?: number, before?: string|number|null}} [page]
 */
export function getAudit({ limit = 50, before = null } = {}) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (before !== null && before !== undefined && before !== '') q.set('before', String(before));
  return withSession(() => get(`/admin/audit?${q}`));
}
