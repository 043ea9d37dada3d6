// Battle page: what the voter can do: start a round (question bank or live
// prompt), send a prompt, follow up, regenerate, stop the answers and vote.

import {
  addTurn,
  ApiError,
  castVote,
  clearError,
  createBattle,
  createLiveBattle,
  regenerateBattle,
  showError,
  stopBattle,
} from '../api.js';
import { answerMeta, arena, page, SIDES, state, ui } from './state.js';
import { isLive, placeholder, turnsOf } from './render.js';
import { resetRound, reveal, VERDICTS } from './outcome.js';
import { retryButton, setState, setVoteButtonsEnabled, showView } from './controls.js';
import { closeStream, showBattle } from './stream.js';
import { namedMode, namedPick, setNamedLocked, syncLede } from './named.js';

export async function stopAnswers() {
  const s = page.stream;
  if (!s || s.stopping || state() !== 'streaming') return;
  s.stopping = true;
  ui.stop.disabled = true;
  ui.stop.textContent = 'Stopping…';
  try {
    // The stream then sends `done` (finish_reason "stopped") for each
    // unfinished answer, which moves the page on to "ready".
    await stopBattle(s.battleId);
  } catch (err) {
    if (page.stream !== s) return;
    // 409: the answers finished meanwhile; the stream says so by itself.
    if (err instanceof ApiError && err.status === 409) return;
    s.stopping = false;
    ui.stop.disabled = false;
    ui.stop.textContent = 'Stop generating';
    showError(ui.error, 'Could not stop the answers.', err);
  }
}

function startRound({ scroll }) {
  page.roundToken += 1;
  closeStream({ abandon: true });
  page.battle = null;
  page.voting = false;
  page.busy = false;
  resetRound();
  if (scroll) window.scrollTo(0, 0);
  return page.roundToken;
}

/** Question bank: fetch a battle whose answers are already complete. */
export async function loadBattle({ scroll = false } = {}) {
  const token = startRound({ scroll });
  setState('loading');
  showView('battle');
  ui.prompt.replaceChildren(placeholder('Loading a new battle…'));
  delete ui.prompt.dataset.battleId;
  ui.side.a.body.replaceChildren(placeholder('Loading…'));
  ui.side.b.body.replaceChildren(placeholder('Loading…'));

  let b;
  try {
    b = await createBattle();
    if (!b || typeof b !== 'object' || b.id === undefined || b.id === null || b.id === '') {
      throw new ApiError(200, 'invalid_response', 'The server sent a battle without an id.');
    }
  } catch (err) {
    if (token !== page.roundToken) return;
    showError(ui.error, 'Could not start a battle.', err);
    ui.error.append(' ', retryButton('Try again', () => loadBattle()));
    if (arena.live) ui.error.append(' ', retryButton('Type a prompt instead', () => showComposer()));
    ui.prompt.replaceChildren();
    ui.side.a.body.replaceChildren();
    ui.side.b.body.replaceChildren();
    showView('none');
    setState('error');
    return;
  }
  if (token !== page.roundToken) return;
  showBattle(b);
}

/** Live arena: wait for the voter's prompt. */
export function showComposer({ scroll = false } = {}) {
  startRound({ scroll });
  ui.prompt.replaceChildren();
  delete ui.prompt.dataset.battleId;
  ui.side.a.body.replaceChildren();
  ui.side.b.body.replaceChildren();
  ui.promptInput.readOnly = false;
  setNamedLocked(false);
  syncLede(namedMode());
  showView('composer');
  setState('prompt');
  ui.promptInput.focus({ preventScroll: true });
}

export async function sendPrompt(text) {
  if (state() !== 'prompt' || page.busy) return;
  // Named mode: the two models the voter chose (send is disabled until they differ).
  const named = namedMode() ? namedPick() : null;
  if (namedMode() && !named) return;
  const token = page.roundToken;
  page.busy = true;
  clearError(ui.error);
  ui.promptInput.readOnly = true;
  setNamedLocked(true);
  setState('loading');
  let b;
  try {
    b = await createLiveBattle(text, named);
    if (!b || typeof b !== 'object' || b.id === undefined || b.id === null || b.id === '') {
      throw new ApiError(201, 'invalid_response', 'The server sent a battle without an id.');
    }
  } catch (err) {
    if (token !== page.roundToken) return;
    page.busy = false;
    ui.promptInput.readOnly = false;
    setNamedLocked(false);
    // Stay on the prompt box with the text kept, so it can be fixed or resent.
    showError(ui.error, 'Could not start a battle.', err);
    setState('prompt');
    ui.promptInput.focus({ preventScroll: true });
    return;
  }
  if (token !== page.roundToken) return;
  page.busy = false;
  ui.promptInput.readOnly = false;
  setNamedLocked(false);
  ui.promptInput.value = '';
  showBattle(b);
}

/**
 * Follow-up and regenerate: both return the battle with a pending last turn
 * whose answers are then streamed.
 */
export async function continueBattle(kind, text) {
  if (!page.battle || page.busy || state() !== 'ready' || !isLive(page.battle)) return;
  const current = page.battle;
  const token = page.roundToken;
  page.busy = true;
  clearError(ui.error);
  setState('loading');
  let b;
  try {
    b = kind === 'followup' ? await addTurn(current.id, text) : await regenerateBattle(current.id);
    if (!b || typeof b !== 'object' || b.id !== current.id) {
      throw new ApiError(201, 'invalid_response', 'The server sent a battle that could not be read.');
    }
  } catch (err) {
    if (token !== page.roundToken) return;
    page.busy = false;
    showError(ui.error, kind === 'followup' ? 'Your follow-up was not sent.' : 'Could not regenerate the answers.', err);
    if (err instanceof ApiError && (err.code === 'battle_closed' || err.code === 'battle_not_found')) {
      ui.newRound.hidden = false;
      setState('error');
    } else {
      // The answers shown are still complete: the voter can vote or try again.
      setState('ready');
    }
    return;
  }
  if (token !== page.roundToken) return;
  page.busy = false;
  if (kind === 'followup') ui.followupInput.value = '';
  // Regenerated answers get new latency lines.
  const last = turnsOf(b).length - 1;
  for (const key of SIDES) answerMeta.delete(`${last}:${key}`);
  showBattle(b);
}

export async function vote(verdict) {
  if (!page.battle || page.voting || !(verdict in VERDICTS)) return;
  if (state() !== 'ready') return;

  const current = page.battle;
  page.voting = true;
  setVoteButtonsEnabled(false);
  clearError(ui.error);
  for (const btn of ui.voteButtons) {
    const chosen = btn.dataset.verdict === verdict;
    btn.classList.toggle('is-chosen', chosen);
    btn.setAttribute('aria-pressed', chosen ? 'true' : 'false');
  }
  ui.result.textContent = 'Recording your vote…';
  ui.result.className = 'result';

  try {
    const res = await castVote(current.id, verdict);
    if (page.battle !== current) return;
    current.status = 'closed';
    page.voting = false;
    reveal(res, verdict);
    ui.newRound.hidden = false;
    setState('voted');
    ui.newRound.focus({ preventScroll: true });
  } catch (err) {
    if (page.battle !== current) return;
    page.voting = false;
    ui.result.textContent = '';
    for (const btn of ui.voteButtons) {
      btn.classList.remove('is-chosen');
      btn.setAttribute('aria-pressed', 'false');
    }
    showError(ui.error, 'Your vote was not recorded.', err);
    if (err instanceof ApiError && err.retriable) {
      // Transient failure: let the user vote on the same battle again.
      setState('ready');
    } else {
      // Closed, unknown or rejected battle: move on to a new one.
      ui.newRound.hidden = false;
      setState('error');
    }
  }
}

export function newRound() {
  if (arena.live) showComposer({ scroll: true });
  else loadBattle({ scroll: true });
}
