// Battle page: show two anonymous answers side by side, take a vote, reveal
// the models.
//
// Two kinds of battle:
//   - question bank: POST /api/v1/battles with {} returns a battle whose
//     answers are already complete. This is the only kind when the arena has
//     no live model (GET /api/v1/arena says live.enabled = false), and then
//     the page loads one such battle straight away, as it always did.
//   - live: the voter types a prompt, two live models answer it, streamed
//     token by token over server-sent events; follow-up turns and
//     regeneration are possible until the vote. By default the two models
//     are anonymous; in named mode (#named-toggle, see named.js) the voter
//     picks them, the panes name them from the start and the vote is
//     recorded but not counted on the leaderboard.
//
// document.body.dataset.state is one of:
//   "loading"    a battle (or a new turn of one) is being requested
//   "prompt"     live arena: waiting for the voter's prompt (#prompt-form)
//   "streaming"  live battle: the answers are being written
//   "ready"      both answers are complete and can be voted on
//   "voted"      the vote was recorded and the models are revealed
//   "void"       live battle: a model failed on the first turn, the battle
//                cannot be voted on
//   "failed"     live battle: a model failed on a later turn; the battle
//                stays open and the turn can be tried again (#retry-turn)
//   "error"      something failed; #error says what
// The vote buttons are enabled only in "ready".
//
// Speed and token counts of the answers are shown only after the vote (the
// vote's answer carries them): before it, they would let a voter recognise
// a model, or reward speed over quality.
//
// Model content arrives twice: as markdown source (prompt, a, b, stream
// deltas) and as HTML that the server has already sanitised (*_html, the
// `html` of a `done` event). Only the sanitised HTML is ever assigned to
// innerHTML; everything else is only ever used as textContent.
//
// The page is split into modules under ./battle/:
//   state.js     the shared state: elements, arena, the round being shown
//   render.js    rendering a battle's turns and answers
//   outcome.js   revealing the models after a vote; resetting a round
//   controls.js  the state machine and the controls that follow from it
//   stream.js    the answer stream (EventSource) and showBattle()
//   actions.js   starting rounds, prompts, follow-ups, regenerate, stop, vote
//   composer.js  the prompt box (opening prompt and follow-ups)
//   named.js     named mode of the prompt box: the voter picks both models
//   lang.js      the language of a battle's content, for `lang`
//   focus.js     moving focus on purpose when the state changes
//   announce.js  telling screen readers how the answers are getting on
//   layout.js    keeping focused controls clear of the sticky vote bar
// The interface text comes from ../i18n/ (English, Chinese, Arabic).
// This file wires them to the page and starts it.

import { startPage, t } from './i18n/index.js';
import { getArena } from './api.js';
import { arena, page, state, ui } from './battle/state.js';
import { addComposerUpdate, setState } from './battle/controls.js';
import { composer } from './battle/composer.js';
import { namedMode, namedPick, parseChoices, setupNamed } from './battle/named.js';
import {
  continueBattle,
  loadBattle,
  newRound,
  retryTurn,
  sendPrompt,
  showComposer,
  stopAnswers,
  vote,
} from './battle/actions.js';
import { watchVoteBar } from './battle/layout.js';

// The keys stay 1 = A and 2 = B in every language and direction.
const KEY_TO_VERDICT = { 1: 'model_a', 2: 'model_b', 3: 'tie', 4: 'tie (bothbad)' };

startPage();
watchVoteBar();

// ----------------------------------------------------------------- composers

// The two prompt boxes; controls.js refreshes them on every state change.
// In named mode the opening prompt also needs two different chosen models.
const updatePromptBox = composer({
  form: ui.promptForm,
  input: ui.promptInput,
  send: ui.send,
  counter: ui.promptCount,
  canSend: () => state() === 'prompt' && !page.busy && (!namedMode() || namedPick() !== null),
  onSend: (text) => sendPrompt(text),
});
addComposerUpdate(updatePromptBox);

addComposerUpdate(
  composer({
    form: ui.followupForm,
    input: ui.followupInput,
    send: ui.followupSend,
    counter: ui.followupCount,
    canSend: () => state() === 'ready' && !page.busy && !page.voting,
    onSend: (text) => continueBattle('followup', text),
  }),
);

// ------------------------------------------------------------------- wiring

for (const btn of ui.voteButtons) {
  btn.addEventListener('click', () => vote(btn.dataset.verdict));
}
ui.newRound.addEventListener('click', () => newRound());
ui.stop.addEventListener('click', () => stopAnswers());
ui.regenerate.addEventListener('click', () => continueBattle('regenerate'));
ui.retryTurn.addEventListener('click', () => retryTurn());
ui.randomQuestion.addEventListener('click', () => loadBattle({ focus: true }));

document.addEventListener('keydown', (ev) => {
  if (ev.defaultPrevented || ev.repeat || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const t = ev.target;
  // Keys typed into a text box, the named-mode checkbox or a model select are theirs.
  if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;

  const verdict = KEY_TO_VERDICT[ev.key];
  if (verdict) {
    const btn = ui.voteButtons.find((b) => b.dataset.verdict === verdict);
    if (btn && !btn.disabled) {
      ev.preventDefault();
      vote(verdict);
    }
    return;
  }
  if ((ev.key === 'n' || ev.key === 'N') && !ui.newRound.hidden) {
    ev.preventDefault();
    newRound();
  }
});

/**
 * Read what the arena offers. Any failure (an older server without
 * /api/v1/arena, a network error) means no live models: the page then
 * works from the question bank only.
 */
async function loadArena() {
  try {
    const info = await getArena();
    const live = info && typeof info === 'object' ? info.live : null;
    if (!live || typeof live !== 'object' || live.enabled !== true) return;
    arena.live = true;
    const positive = (v) => (Number.isInteger(v) && v > 0 ? v : null);
    arena.maxPromptChars = positive(live.max_prompt_chars);
    arena.maxTurns = positive(live.max_turns);
    arena.choices = parseChoices(live.choices);
  } catch {
    arena.live = false;
    arena.choices = [];
  }
}

async function start() {
  setState('loading');
  await loadArena();
  if (arena.live) {
    ui.lede.textContent = t('arena.liveLede');
    setupNamed(updatePromptBox);
    showComposer();
  } else {
    loadBattle();
  }
}

start();
