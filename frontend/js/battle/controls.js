// Battle page: the state machine (document.body.dataset.state, see battle.js)
// and the controls that follow from it: vote buttons, stop, follow-up,
// regenerate, which view is shown, the void notice and retry buttons.

import { arena, page, state, ui } from './state.js';
import { isLive, turnsOf } from './render.js';

// The refresh functions of the two prompt boxes (see composer.js), run on
// every state change. battle.js adds them when it wires the boxes: they send
// through actions.js, which this module cannot import without a cycle.
const composerUpdates = [];

export function addComposerUpdate(update) {
  composerUpdates.push(update);
}

export function setState(next) {
  document.body.dataset.state = next;
  ui.prompt.setAttribute('aria-busy', next === 'loading' || next === 'streaming' ? 'true' : 'false');
  syncControls();
}

/**
 * Derive the controls that depend only on the state and the battle: vote
 * buttons, stop, follow-up and regenerate.
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
  ui.turnLimit.textContent = atLimit
    ? `This conversation has reached the limit of ${arena.maxTurns} turns: vote, or regenerate the last answers.`
    : '';
  ui.regenerate.disabled = page.busy;
  for (const update of composerUpdates) update();
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
}

export function retryButton(label, action) {
  const btn = document.createElement('button');
  btn.type = 'button';
  btn.className = 'btn btn-small alert-action';
  btn.textContent = label;
  btn.addEventListener('click', action);
  return btn;
}
