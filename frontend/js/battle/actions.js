// Battle page: what the voter can do: start a round (question bank or live
// prompt), send a prompt, follow up, regenerate, try a failed turn again,
// stop the answers and vote.

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
import {
  clearFailed,
  enterFailed,
  failedForGood,
  retryButton,
  setState,
  setVoteButtonsEnabled,
  showView,
} from './controls.js';
import { closeStream, showBattle } from './stream.js';
import { namedMode, namedPick, refreshChoices, setNamedLocked, syncLede } from './named.js';
import { focusOn } from './focus.js';
import { t } from '../i18n/index.js';

export async function stopAnswers() {
  const s = page.stream;
  if (!s || s.stopping || state() !== 'streaming') return;
  s.stopping = true;
  ui.stop.disabled = true;
  ui.stop.textContent = t('stop.stopping');
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
    ui.stop.textContent = t('stop.label');
    showError(ui.error, t('stop.failed'), err);
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

/**
 * Question bank: fetch a battle whose answers are already complete. With
 * `focus` (the voter asked for it), focus moves to the new battle once it
 * is shown.
 */
export async function loadBattle({ scroll = false, focus = false } = {}) {
  const token = startRound({ scroll });
  setState('loading');
  showView('battle');
  ui.prompt.replaceChildren(placeholder(t('battle.loading')));
  delete ui.prompt.dataset.battleId;
  ui.side.a.body.replaceChildren(placeholder(t('common.loading')));
  ui.side.b.body.replaceChildren(placeholder(t('common.loading')));

  let b;
  try {
    b = await createBattle();
    if (!b || typeof b !== 'object' || b.id === undefined || b.id === null || b.id === '') {
      throw new ApiError(200, 'invalid_response', t('error.battleWithoutId'));
    }
  } catch (err) {
    if (token !== page.roundToken) return;
    showError(ui.error, t('battle.couldNotStart'), err);
    ui.error.append(' ', retryButton(t('common.tryAgain'), () => loadBattle({ focus: true })));
    if (arena.live) ui.error.append(' ', retryButton(t('battle.typePromptInstead'), () => showComposer()));
    ui.prompt.replaceChildren();
    ui.side.a.body.replaceChildren();
    ui.side.b.body.replaceChildren();
    showView('none');
    setState('error');
    if (focus) focusOn(ui.error.querySelector('button'));
    return;
  }
  if (token !== page.roundToken) return;
  showBattle(b);
  // The new battle starts at its prompt: screen readers read on from there.
  if (focus) focusOn(ui.prompt, { scroll: false });
}

/**
 * Live arena: wait for the voter's prompt; `prompt` is put back in the box
 * (the last one, after a battle that could not be finished).
 */
export function showComposer({ scroll = false, prompt = '' } = {}) {
  startRound({ scroll });
  ui.prompt.replaceChildren();
  delete ui.prompt.dataset.battleId;
  ui.side.a.body.replaceChildren();
  ui.side.b.body.replaceChildren();
  ui.promptInput.readOnly = false;
  if (prompt) ui.promptInput.value = prompt;
  setNamedLocked(false);
  syncLede(namedMode());
  showView('composer');
  setState('prompt');
  ui.promptInput.focus({ preventScroll: true });
  // A model may have gone into, or come out of, a failure cool-down.
  refreshChoices();
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
      throw new ApiError(201, 'invalid_response', t('error.battleWithoutId'));
    }
  } catch (err) {
    if (token !== page.roundToken) return;
    page.busy = false;
    ui.promptInput.readOnly = false;
    setNamedLocked(false);
    // Stay on the prompt box with the text kept, so it can be fixed or resent.
    showError(ui.error, t('battle.couldNotStart'), err);
    setState('prompt');
    ui.promptInput.focus({ preventScroll: true });
    // A chosen model that went into a cool-down meanwhile is now marked.
    if (named) refreshChoices();
    return;
  }
  if (token !== page.roundToken) return;
  page.busy = false;
  ui.promptInput.readOnly = false;
  setNamedLocked(false);
  ui.promptInput.value = '';
  showBattle(b);
}

/** The regeneration limit is reached: only a new round is left. */
const limitReached = (err) => err instanceof ApiError && err.code === 'regenerate_limit_reached';

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
      throw new ApiError(201, 'invalid_response', t('error.unreadableBattle'));
    }
  } catch (err) {
    if (token !== page.roundToken) return;
    page.busy = false;
    showError(ui.error, kind === 'followup' ? t('followup.notSent') : t('regenerate.failed'), err);
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
  // Regenerated answers get new lines under them.
  const last = turnsOf(b).length - 1;
  for (const key of SIDES) answerMeta.delete(`${last}:${key}`);
  showBattle(b);
}

/**
 * The latest turn failed: generate it again with the same models (a
 * regeneration, within the battle's limit). The battle stays open; the
 * earlier turns are kept.
 */
export async function retryTurn() {
  if (!page.battle || page.busy || state() !== 'failed') return;
  const current = page.battle;
  const token = page.roundToken;
  page.busy = true;
  ui.retryTurn.disabled = true;
  clearError(ui.error);
  let b;
  try {
    b = await regenerateBattle(current.id);
    if (!b || typeof b !== 'object' || b.id !== current.id) {
      throw new ApiError(201, 'invalid_response', t('error.unreadableBattle'));
    }
  } catch (err) {
    if (token !== page.roundToken) return;
    page.busy = false;
    ui.retryTurn.disabled = false;
    if (limitReached(err)) {
      failedForGood();
      return;
    }
    showError(ui.error, t('failed.retryFailed'), err);
    if (err instanceof ApiError && (err.code === 'battle_closed' || err.code === 'battle_not_found')) {
      ui.retryTurn.hidden = true;
      focusOn(ui.newRound);
    } else {
      focusOn(ui.retryTurn);
    }
    return;
  }
  if (token !== page.roundToken) return;
  page.busy = false;
  ui.retryTurn.disabled = false;
  clearFailed();
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
  ui.result.textContent = t('vote.recording');
  ui.result.className = 'result';

  try {
    const res = await castVote(current.id, verdict);
    if (page.battle !== current) return;
    current.status = 'closed';
    page.voting = false;
    reveal(res, verdict);
    ui.newRound.hidden = false;
    setState('voted');
    focusOn(ui.newRound, { scroll: false });
  } catch (err) {
    if (page.battle !== current) return;
    page.voting = false;
    ui.result.textContent = '';
    for (const btn of ui.voteButtons) {
      btn.classList.remove('is-chosen');
      btn.setAttribute('aria-pressed', 'false');
    }
    if (err instanceof ApiError && err.code === 'turn_failed') {
      // The latest turn failed (the page missed it): it can be tried again.
      enterFailed(err.message);
      return;
    }
    showError(ui.error, t('vote.notRecorded'), err);
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

/**
 * The voter's last prompt in a live battle that could not be finished (void,
 * a failed turn, a broken stream), or "" after any other round.
 */
function unfinishedPrompt() {
  const b = page.battle;
  if (!b || !isLive(b) || state() === 'voted') return '';
  const s = state();
  if (s !== 'void' && s !== 'failed' && s !== 'error' && b.status !== 'void' && b.failed !== true) return '';
  const turns = turnsOf(b);
  const last = turns[turns.length - 1];
  return last && typeof last.prompt === 'string' ? last.prompt : '';
}

export function newRound() {
  if (arena.live) {
    showComposer({ scroll: true, prompt: unfinishedPrompt() });
  } else {
    loadBattle({ scroll: true, focus: true });
  }
}
