// Battle page: the state machine (document.body.dataset.state, see battle.js)
// and the controls that follow from it: vote buttons, stop, follow-up,
// regenerate, which view is shown, the void and failed-turn notices, the
// warning on an empty stopped answer, retry buttons, and where focus goes.

import { arena, page, state, ui } from './state.js';
import { isLive, turnsOf } from './render.js';
import { canFocus, focusOn, rescueFocus } from './focus.js';
import { t } from '../i18n/index.js';

// The refresh functions of the two prompt boxes (see composer.js), run on
// every state change. battle.js adds them when it wires the boxes: they send
// through actions.js, which this module cannot import without a cycle.
const composerUpdates = [];

export function addComposerUpdate(update) {
  composerUpdates.push(update);
}

/** Where focus goes when a change of state took it away from the voter. */
function defaultFocus(s) {
  switch (s) {
    case 'prompt':
      return ui.promptInput;
    case 'streaming':
      return ui.stop;
    case 'ready':
      return ui.side.a.name; // the start of the answers
    case 'failed':
      return canFocus(ui.retryTurn) ? ui.retryTurn : ui.newRound;
    case 'voted':
    case 'void':
      return ui.newRound;
    case 'error':
      return ui.error.querySelector('button') || ui.newRound;
    default:
      return null;
  }
}

export function setState(next) {
  document.body.dataset.state = next;
  ui.prompt.setAttribute('aria-busy', next === 'loading' || next === 'streaming' ? 'true' : 'false');
  syncControls();
  rescueFocus(defaultFocus(next));
}

/**
 * Derive the controls that depend only on the state and the battle: vote
 * buttons, stop, follow-up, regenerate, the failed-turn notice and the
 * warning on an empty stopped answer.
 */
function syncControls() {
  const s = state();
  setVoteButtonsEnabled(s === 'ready' && !page.voting && page.battle !== null);
  ui.stop.hidden = s !== 'streaming';

  const liveOpen = s === 'ready' && isLive(page.battle) && page.battle.status === 'open';
  ui.followup.hidden = !liveOpen;
  const turns = page.battle ? turnsOf(page.battle).length : 0;
  const atLimit = arena.maxTurns !== null && turns >= arena.maxTurns;
  ui.followupForm.hidden = atLimit;
  ui.turnLimit.hidden = !atLimit;
  ui.turnLimit.textContent = atLimit ? t('followup.turnLimit', { count: arena.maxTurns }) : '';
  ui.regenerate.disabled = page.busy;
  ui.turnFailed.hidden = s !== 'failed';
  ui.retryTurn.disabled = page.busy;
  syncStoppedWarning(s);
  for (const update of composerUpdates) update();
}

/**
 * Before the vote, say when an answer was stopped before its first word:
 * the server would not count a vote on it.
 */
function syncStoppedWarning(s) {
  const sides = [...page.emptyStopped].sort();
  const show = s === 'ready' && sides.length > 0;
  ui.stoppedWarning.hidden = !show;
  if (!show) {
    ui.stoppedWarning.textContent = '';
    return;
  }
  ui.stoppedWarning.textContent =
    sides.length === 2 ? t('stopped.emptyBoth') : t('stopped.emptyOne', { letter: ui.side[sides[0]].letter });
}

export function setVoteButtonsEnabled(enabled) {
  for (const btn of ui.voteButtons) {
    btn.disabled = !enabled;
  }
}

/**
 * Which part of the page is shown: the prompt box ("composer"), the battle
 * ("battle") or neither ("none", when no battle could be loaded).
 */
export function showView(view) {
  ui.composer.hidden = view !== 'composer';
  const battleShown = view === 'battle';
  ui.prompt.hidden = !battleShown;
  ui.panes.hidden = !battleShown;
  ui.voteBar.hidden = !battleShown;
  if (!battleShown) ui.followup.hidden = true;
}

/**
 * The battle cannot be voted on (its first turn failed): say why, in the
 * server's words, and offer a new round.
 * @param {string} reason
 */
export function enterVoid(reason) {
  ui.voidReason.textContent = reason;
  ui.voidReason.hidden = false;
  ui.namedNotice.hidden = true; // nothing to vote on
  if (page.battle) {
    page.battle.status = 'void';
    page.battle.pending = false;
  }
  if (state() === 'voted') return; // the vote response has the last word
  ui.newRound.hidden = false;
  setState('void');
  focusOn(ui.newRound);
}

/**
 * A later turn failed: the battle stays open with the turns before it. Say
 * so in plain words, with the server's sentence when it gave one, and offer
 * to try the turn again or start a new round.
 * @param {string} [reason]
 */
export function enterFailed(reason) {
  const detail = typeof reason === 'string' ? reason.trim() : '';
  page.failed = { reason: detail };
  if (page.battle) {
    page.battle.failed = true;
    page.battle.pending = false;
  }
  if (state() === 'voted') return;
  ui.turnFailedText.textContent = t('failed.text');
  // The server's sentence, unless it only says the same as ours.
  const same = detail.toLowerCase().startsWith(t('failed.text').toLowerCase());
  ui.turnFailedDetail.textContent = same ? '' : detail;
  ui.turnFailedDetail.hidden = same || detail === '';
  ui.retryTurn.hidden = false;
  ui.newRound.hidden = false;
  setState('failed');
  focusOn(ui.retryTurn);
}

/**
 * The turn cannot be tried again (the regeneration limit is reached): only
 * a new round is left.
 */
export function failedForGood() {
  ui.turnFailedText.textContent = t('failed.limit');
  ui.turnFailedDetail.hidden = true;
  ui.retryTurn.hidden = true;
  ui.newRound.hidden = false;
  focusOn(ui.newRound);
}

/** Forget a failed turn (it is being tried again, or a new round starts). */
export function clearFailed() {
  page.failed = null;
  if (page.battle) page.battle.failed = false;
  ui.turnFailedText.textContent = t('failed.text');
  ui.turnFailedDetail.textContent = '';
  ui.turnFailedDetail.hidden = true;
  ui.retryTurn.hidden = false;
}

export { retryButton } from '../api.js';

