// Operator page: the "Void a battle" form. Voiding takes a voted battle's
// vote off the leaderboard; the result line offers to restore it.

import { ApiError, clearError, showError } from '../api.js';
import { restoreBattle, voidBattle } from './client.js';
import { session, sessionEnded, ui } from './state.js';

let busy = false;
let afterChange = () => {};

/**
 * What to do after a battle was voided or restored (refresh the audit log).
 * @param {() => void} fn
 */
export function onBattleChanged(fn) {
  afterChange = fn;
}

function setBusy(on, label) {
  busy = on;
  ui.voidSubmit.disabled = on;
  ui.voidSubmit.textContent = label;
  ui.voidForm.setAttribute('aria-busy', String(on));
}

/**
 * Fill the result line with `parts`: strings become text, nodes go in as they are.
 * @param {Array<string|Node>} parts
 */
function showResult(...parts) {
  const p = document.createElement('p');
  p.className = 'op-result-text';
  p.append(...parts);
  ui.voidResult.replaceChildren(p);
}

function code(text) {
  const el = document.createElement('code');
  el.className = 'op-mono';
  el.textContent = text;
  return el;
}

function restoreButton(battleId) {
  const btn = document.createElement('button');
  btn.type = 'button';
  btn.className = 'btn btn-small op-restore';
  btn.textContent = 'Restore it';
  btn.addEventListener('click', () => restore(battleId, btn));
  return btn;
}

async function submit(ev) {
  ev.preventDefault();
  if (busy) return;
  const battleId = ui.voidBattle.value.trim();
  const reason = ui.voidReason.value.trim();
  if (!battleId || !reason) {
    const missing = !battleId ? ui.voidBattle : ui.voidReason;
    showError(
      ui.voidError,
      'Could not void the battle.',
      new Error(!battleId ? 'Enter the id of the battle to void.' : 'Say why the battle is void.'),
    );
    missing.focus();
    return;
  }

  const generation = session.generation;
  setBusy(true, 'Voiding…');
  clearError(ui.voidError);
  ui.voidResult.replaceChildren();
  try {
    const res = await voidBattle(battleId, reason);
    if (generation !== session.generation) return;
    if (!res || typeof res !== 'object' || res.status !== 'void') {
      throw new ApiError(200, 'invalid_response', 'The server did not say that the battle is void.');
    }
    const id = res.battle_id !== undefined && res.battle_id !== null ? String(res.battle_id) : battleId;
    const why = typeof res.void_reason === 'string' && res.void_reason ? res.void_reason : reason;
    ui.voidBattle.value = '';
    ui.voidReason.value = '';
    showResult('Battle ', code(id), ` is void (${why}). Its vote no longer counts. `, restoreButton(id));
    afterChange();
  } catch (err) {
    if (generation !== session.generation || sessionEnded(err)) return;
    showError(ui.voidError, 'Could not void the battle.', err);
  } finally {
    if (generation === session.generation) setBusy(false, 'Void battle');
  }
}

/**
 * Undo a void from the result line.
 * @param {string} battleId
 * @param {HTMLButtonElement} btn
 */
async function restore(battleId, btn) {
  if (btn.disabled) return;
  const generation = session.generation;
  btn.disabled = true;
  btn.textContent = 'Restoring…';
  clearError(ui.voidError);
  try {
    await restoreBattle(battleId);
    if (generation !== session.generation) return;
    showResult('Battle ', code(battleId), ' is restored: its vote counts again.');
    ui.voidBattle.focus(); // the button that had the focus is gone
    afterChange();
  } catch (err) {
    if (generation !== session.generation || sessionEnded(err)) return;
    btn.disabled = false;
    btn.textContent = 'Restore it';
    showError(ui.voidError, 'Could not restore the battle.', err);
  }
}

/** Empty the form and its result (after logging out). */
export function resetVoid() {
  ui.voidForm.reset();
  ui.voidResult.replaceChildren();
  clearError(ui.voidError);
  setBusy(false, 'Void battle');
}

export function setupVoid() {
  ui.voidForm.addEventListener('submit', submit);
}
