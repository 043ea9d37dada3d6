// Operator page: the Models table. Ticking "active" or "deprecated", or
// changing a weight, PATCHes the model at once; the row then shows the model
// the server sends back (or goes back to what it showed when that fails).
//
// Rows are kept by model name and updated in place, so that the control the
// operator just used keeps its focus.

import { ApiError, clearError, showError } from '../api.js';
import { listModels, updateModel } from './client.js';
import { cell, messageRow, session, sessionEnded, ui } from './state.js';

const COLUMNS = 5;

/**
 * A model as GET /api/v1/admin/models lists it.
 * @typedef {{name: string, display_name?: string|null, organization?: string|null,
 *   license?: string|null, provider?: string|null, active: boolean, deprecated: boolean,
 *   sampling_weight: number, knowledge_cutoff?: string|null}} Model
 */

/**
 * The table's rows by model name.
 * @type {Map<string, {tr: HTMLTableRowElement, model: Model, pending: boolean}>}
 */
const rows = new Map();

let loadToken = 0;
let afterChange = () => {};

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const textOf = (v) => (typeof v === 'string' && v.trim() ? v.trim() : '');

/** What the flag column shows next to its checkbox, checked or not. */
const FLAG_TEXT = {
  active: ['active', 'inactive'],
  deprecated: ['deprecated', 'not deprecated'],
};

/**
 * What to do after a model changed (refresh the audit log).
 * @param {() => void} fn
 */
export function onModelChanged(fn) {
  afterChange = fn;
}

/** A weight as the table shows it: up to four decimals, no trailing zeros. */
export function formatWeight(w) {
  return isNum(w) ? String(Math.round(w * 10_000) / 10_000) : '';
}

function flagCell(name, field) {
  const td = cell(`op-toggle op-${field}`);
  const label = document.createElement('label');
  label.className = 'op-switch';
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.dataset.field = field;
  input.setAttribute('aria-label', `${name}: ${field}`);
  const flag = document.createElement('span');
  flag.className = 'op-flag';
  flag.setAttribute('aria-hidden', 'true');
  label.append(input, flag);
  td.append(label);
  // While the row is being saved the box does not toggle. It is not disabled
  // either: that would take the keyboard focus away from it.
  input.addEventListener('click', (ev) => {
    if (rows.get(name)?.pending) ev.preventDefault();
  });
  input.addEventListener('change', () => change(name, { [field]: input.checked }));
  return td;
}

function weightCell(name) {
  const td = cell('op-weight');
  const input = document.createElement('input');
  input.type = 'number';
  input.min = '0';
  input.step = 'any';
  input.inputMode = 'decimal';
  input.className = 'op-input op-weight-input';
  input.dataset.field = 'weight';
  input.setAttribute('aria-label', `${name}: sampling weight`);
  input.addEventListener('change', () => {
    const row = rows.get(name);
    if (!row) return;
    const raw = input.value.trim();
    const weight = Number(raw);
    if (raw === '' || !Number.isFinite(weight) || weight < 0) {
      showError(ui.modelsError, `Could not change ${name}.`, new Error('The weight must be a number of 0 or more.'));
      fillRow(row.tr, row.model);
      return;
    }
    if (weight === row.model.sampling_weight) return;
    change(name, { weight });
  });
  td.append(input);
  return td;
}

/** A new, empty row for the model `name`; fillRow() gives it its values. */
function createRow(name) {
  const tr = document.createElement('tr');
  tr.dataset.model = name;

  const th = document.createElement('th');
  th.scope = 'row';
  th.className = 'op-name';
  const slug = document.createElement('span');
  slug.className = 'op-slug';
  slug.textContent = name;
  const sub = document.createElement('small');
  sub.className = 'op-sub';
  th.append(slug, sub);

  tr.append(th, cell('op-display'), flagCell(name, 'active'), flagCell(name, 'deprecated'), weightCell(name));
  return tr;
}

/**
 * Show `m` in its row.
 * @param {HTMLTableRowElement} tr
 * @param {Model} m
 */
function fillRow(tr, m) {
  const active = m.active === true;
  const deprecated = m.deprecated === true;
  tr.dataset.active = String(active);
  tr.dataset.deprecated = String(deprecated);

  const sub = tr.querySelector('.op-sub');
  const details = [textOf(m.organization), textOf(m.provider), textOf(m.license)].filter(Boolean);
  if (textOf(m.knowledge_cutoff)) details.push(`cutoff ${textOf(m.knowledge_cutoff)}`);
  sub.textContent = details.join(' · ');
  sub.hidden = details.length === 0;

  tr.querySelector('td.op-display').textContent = textOf(m.display_name) || '—';

  for (const [field, on] of [['active', active], ['deprecated', deprecated]]) {
    const td = tr.querySelector(`td.op-${field}`);
    td.querySelector('input').checked = on;
    td.querySelector('.op-flag').textContent = FLAG_TEXT[field][on ? 0 : 1];
  }
  tr.querySelector('input[data-field="weight"]').value = formatWeight(m.sampling_weight);
}

/** Mark a row as being saved; its controls keep their focus but take no input. */
function setRowBusy(tr, busy) {
  tr.setAttribute('aria-busy', String(busy));
  for (const input of tr.querySelectorAll('input')) {
    if (input.type === 'checkbox') input.setAttribute('aria-disabled', String(busy));
    else input.readOnly = busy;
  }
}

/** The status line after `changes` were saved to `m`. */
function describe(m, changes) {
  const parts = [];
  if ('active' in changes) parts.push(m.active === true ? 'active' : 'inactive');
  if ('deprecated' in changes) parts.push(m.deprecated === true ? 'deprecated' : 'not deprecated');
  if ('weight' in changes) parts.push(`weighted ${formatWeight(m.sampling_weight)}`);
  return `Saved: ${m.name} is now ${parts.join(', ')}.`;
}

/**
 * PATCH the model `name` with `changes` and show what the server sends back.
 * @param {string} name
 * @param {{active?: boolean, deprecated?: boolean, weight?: number}} changes
 */
async function change(name, changes) {
  const row = rows.get(name);
  if (!row || row.pending) return;
  const generation = session.generation;
  row.pending = true;
  setRowBusy(row.tr, true);
  clearError(ui.modelsError);
  ui.modelsStatus.textContent = `Saving ${name}…`;
  try {
    const updated = await updateModel(name, changes);
    if (generation !== session.generation || rows.get(name) !== row) return;
    if (!updated || typeof updated !== 'object' || (typeof updated.name === 'string' && updated.name !== name)) {
      throw new ApiError(200, 'invalid_response', 'The server did not send back the changed model.');
    }
    row.model = { ...updated, name };
    fillRow(row.tr, row.model);
    ui.modelsStatus.textContent = describe(row.model, changes);
    afterChange();
  } catch (err) {
    if (generation !== session.generation || rows.get(name) !== row) return;
    fillRow(row.tr, row.model); // undo what the control shows
    ui.modelsStatus.textContent = '';
    if (sessionEnded(err)) return;
    showError(ui.modelsError, `Could not change ${name}.`, err);
  } finally {
    row.pending = false;
    setRowBusy(row.tr, false);
  }
}

/** @param {Model[]} list */
function render(list) {
  const seen = new Set();
  const trs = [];
  for (const m of list) {
    if (!m || typeof m !== 'object' || typeof m.name !== 'string' || !m.name || seen.has(m.name)) continue;
    seen.add(m.name);
    let row = rows.get(m.name);
    if (!row) {
      row = { tr: createRow(m.name), model: m, pending: false };
      rows.set(m.name, row);
    }
    if (!row.pending) {
      row.model = m;
      fillRow(row.tr, m);
    }
    trs.push(row.tr);
  }
  for (const name of [...rows.keys()]) {
    if (!seen.has(name)) rows.delete(name);
  }
  if (trs.length === 0) {
    ui.modelsBody.replaceChildren(messageRow('The arena has no models yet.', COLUMNS));
  } else {
    ui.modelsBody.replaceChildren(...trs);
  }
}

/**
 * GET the models and show them. Rejects with the ApiError when that fails
 * (the caller decides: login form, "not allowed", or an error box); resolves
 * to false when a newer load or another session made this one moot.
 * @returns {Promise<boolean>}
 */
export async function loadModels() {
  const mine = ++loadToken;
  const generation = session.generation;
  ui.models.setAttribute('aria-busy', 'true');
  ui.modelsRefresh.disabled = true;
  try {
    const data = await listModels();
    if (mine !== loadToken || generation !== session.generation) return false;
    const list = data && typeof data === 'object' && Array.isArray(data.models) ? data.models : null;
    if (!list) throw new ApiError(200, 'invalid_response', 'The server sent a model list that could not be read.');
    clearError(ui.modelsError);
    render(list);
    return true;
  } finally {
    if (mine === loadToken) {
      ui.models.setAttribute('aria-busy', 'false');
      ui.modelsRefresh.disabled = false;
    }
  }
}

/** The Refresh button: reload the models, errors in the table's own box. */
async function refresh() {
  const generation = session.generation;
  try {
    await loadModels();
  } catch (err) {
    if (generation !== session.generation || sessionEnded(err)) return;
    showError(ui.modelsError, 'Could not load the models.', err);
  }
}

/** Forget the models shown (after logging out). */
export function resetModels() {
  loadToken += 1;
  rows.clear();
  ui.modelsBody.replaceChildren(messageRow('Loading…', COLUMNS));
  ui.models.setAttribute('aria-busy', 'true');
  ui.modelsRefresh.disabled = false;
  ui.modelsStatus.textContent = '';
  clearError(ui.modelsError);
}

export function setupModels() {
  ui.modelsRefresh.addEventListener('click', () => refresh());
}
