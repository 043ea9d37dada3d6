// Operator page: the audit log, newest first, a page at a time ("Load more"
// asks for the entries before the last one shown, next_before).
//
// An entry's `before` and `after` are any JSON values written by the server
// from what operators typed (reasons, display names, ...): they are shown as
// compact JSON text, only ever through textContent.

import { clearError, showError } from '../api.js';
import { getAudit } from './client.js';
import { cell, messageRow, session, sessionEnded, ui } from './state.js';

const COLUMNS = 5;
export const PAGE_SIZE = 50;
const MAX_JSON_CHARS = 300; // longer values are cut short; the cell's title has all of it

/**
 * An entry of GET /api/v1/admin/audit.
 * @typedef {{id: number|string, at: string, actor: string|null, action: string,
 *   target: string|null, before: unknown, after: unknown, request_id: string|null}} AuditEntry
 */

const audit = {
  token: 0,
  /** @type {number|string|null} the next page's `before`, null on the last page */
  nextBefore: null,
  /** ids shown, so that an entry is never listed twice */
  ids: new Set(),
  loading: false,
};

/**
 * "2026-11-30 14:05:09 UTC" and the ISO time for a <time>, from an RFC 3339
 * string or a Unix time (seconds or milliseconds); the text as it came when
 * it is no time.
 * @param {unknown} at
 * @returns {{text: string, iso: string|null}}
 */
export function formatTime(at) {
  let d = null;
  if (typeof at === 'number' && Number.isFinite(at)) d = new Date(at < 1e12 ? at * 1000 : at);
  else if (typeof at === 'string' && at.trim()) d = new Date(at);
  if (!d || Number.isNaN(d.getTime())) {
    return { text: at === null || at === undefined || at === '' ? '—' : String(at), iso: null };
  }
  const iso = d.toISOString();
  return { text: `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`, iso };
}

/**
 * A JSON value as one line of compact JSON text; "—" for null or nothing.
 * @param {unknown} value
 */
export function compactJson(value) {
  if (value === null || value === undefined) return '—';
  try {
    const s = JSON.stringify(value);
    return s === undefined ? String(value) : s;
  } catch {
    return String(value);
  }
}

function jsonCode(value) {
  const full = compactJson(value);
  const el = document.createElement('code');
  el.className = 'op-json';
  if (full.length > MAX_JSON_CHARS) {
    el.textContent = `${full.slice(0, MAX_JSON_CHARS)}…`;
    el.title = full;
  } else {
    el.textContent = full;
  }
  return el;
}

const plain = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));

/** @param {AuditEntry} e */
function entryRow(e) {
  const tr = document.createElement('tr');
  tr.dataset.id = String(e.id);
  tr.dataset.action = typeof e.action === 'string' ? e.action : '';
  tr.dataset.target = e.target === null || e.target === undefined ? '' : String(e.target);
  if (typeof e.request_id === 'string' && e.request_id) tr.title = `Request ${e.request_id}`;

  const when = formatTime(e.at);
  const timeCell = cell('op-time');
  const time = document.createElement('time');
  if (when.iso) time.dateTime = when.iso;
  time.textContent = when.text;
  timeCell.append(time);

  const actionCell = cell('op-action');
  const action = document.createElement('code');
  action.textContent = plain(e.action);
  actionCell.append(action);

  const change = cell('op-change');
  if ((e.before === null || e.before === undefined) && (e.after === null || e.after === undefined)) {
    change.textContent = '—';
  } else {
    const arrow = document.createElement('span');
    arrow.className = 'op-arrow';
    arrow.setAttribute('aria-hidden', 'true');
    arrow.textContent = ' → ';
    const spoken = document.createElement('span');
    spoken.className = 'visually-hidden';
    spoken.textContent = ' changed to ';
    change.append(jsonCode(e.before), arrow, spoken, jsonCode(e.after));
  }

  tr.append(timeCell, cell('op-actor', plain(e.actor)), actionCell, cell('op-target', plain(e.target)), change);
  return tr;
}

// "Load more" is marked aria-disabled rather than disabled while a page
// loads, so that it keeps the keyboard focus.
function setBusy(on, more) {
  audit.loading = on;
  ui.audit.setAttribute('aria-busy', String(on));
  ui.auditRefresh.disabled = on;
  ui.auditMore.setAttribute('aria-disabled', String(on));
  ui.auditMore.textContent = on && more ? 'Loading…' : 'Load more';
}

/**
 * Load the newest page of the audit log, or with `more` the page after the
 * entries shown. Errors are shown in the log's own box.
 * @param {{more?: boolean}} [options]
 */
export async function loadAudit({ more = false } = {}) {
  if (more && (audit.nextBefore === null || audit.loading)) return;
  const mine = ++audit.token;
  const generation = session.generation;
  setBusy(true, more);
  try {
    const data = await getAudit({ limit: PAGE_SIZE, before: more ? audit.nextBefore : null });
    if (mine !== audit.token || generation !== session.generation) return;
    const entries = data && typeof data === 'object' && Array.isArray(data.entries) ? data.entries : [];
    clearError(ui.auditError);
    if (!more) {
      audit.ids.clear();
      ui.auditBody.replaceChildren();
    }
    const rows = [];
    for (const e of entries) {
      if (!e || typeof e !== 'object' || e.id === undefined || e.id === null) continue;
      const key = String(e.id);
      if (audit.ids.has(key)) continue;
      audit.ids.add(key);
      rows.push(entryRow(e));
    }
    if (audit.ids.size === 0) {
      ui.auditBody.replaceChildren(messageRow('Nothing has been logged yet.', COLUMNS));
    } else {
      ui.auditBody.append(...rows);
    }
    const next = data && typeof data === 'object' ? data.next_before : null;
    audit.nextBefore = next === undefined || next === '' ? null : next;
    const hadFocus = document.activeElement === ui.auditMore;
    ui.auditMore.hidden = audit.nextBefore === null;
    // The last page hides the button that had the focus: give it to the first new entry.
    if (hadFocus && ui.auditMore.hidden && rows.length > 0) {
      const first = rows[0].cells[0];
      first.tabIndex = -1;
      first.focus();
    }
  } catch (err) {
    if (mine !== audit.token || generation !== session.generation || sessionEnded(err)) return;
    showError(ui.auditError, more ? 'Could not load more of the audit log.' : 'Could not load the audit log.', err);
    if (audit.ids.size === 0) {
      ui.auditBody.replaceChildren(messageRow('The audit log is not available right now.', COLUMNS));
    }
  } finally {
    if (mine === audit.token) setBusy(false, more);
  }
}

/** Forget the entries shown (after logging out). */
export function resetAudit() {
  audit.token += 1;
  audit.nextBefore = null;
  audit.ids.clear();
  ui.auditBody.replaceChildren(messageRow('Loading…', COLUMNS));
  ui.auditMore.hidden = true;
  setBusy(false, false);
  ui.audit.setAttribute('aria-busy', 'true');
  clearError(ui.auditError);
}

export function setupAudit() {
  ui.auditRefresh.addEventListener('click', () => loadAudit());
  ui.auditMore.addEventListener('click', () => loadAudit({ more: true }));
}
