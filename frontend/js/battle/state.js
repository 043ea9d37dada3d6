// Battle page: the state its modules share. The page's elements, what the
// arena offers and the round being shown live here and nowhere else, so every
// module reads and changes the same values.

export const SIDES = ['a', 'b'];

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`battle page is missing #${id}`);
  return el;
};

export const ui = {
  error: $('error'),
  lede: $('lede'),
  demoLabel: $('demo-label'),
  meta: $('battle-meta'),
  composer: $('composer'),
  promptForm: $('prompt-form'),
  promptInput: $('prompt-input'),
  promptCount: $('prompt-count'),
  send: $('send'),
  randomQuestion: $('random-question'),
  named: $('named'),
  namedToggle: $('named-toggle'),
  namedModels: $('named-models'),
  modelSelect: { a: $('model-a-select'), b: $('model-b-select') },
  namedStatus: $('named-status'),
  namedNotice: $('named-notice'),
  prompt: $('prompt'),
  panes: $('panes'),
  followup: $('followup'),
  followupForm: $('followup-form'),
  followupInput: $('followup-input'),
  followupCount: $('followup-count'),
  followupSend: $('followup-send'),
  turnLimit: $('turn-limit'),
  regenerate: $('regenerate'),
  voteBar: $('vote-bar'),
  voidReason: $('void-reason'),
  turnFailed: $('turn-failed'),
  turnFailedText: $('turn-failed-text'),
  turnFailedDetail: $('turn-failed-detail'),
  retryTurn: $('retry-turn'),
  stoppedWarning: $('stopped-warning'),
  answersStatus: $('answers-status'),
  namedUnavailable: $('named-unavailable'),
  // `letter` stays "A" and "B" in every language: A is the first answer.
  side: {
    a: { pane: $('pane-a'), name: $('name-a'), slug: $('slug-a'), badge: $('badge-a'), body: $('body-a'), stats: $('stats-a'), letter: 'A' },
    b: { pane: $('pane-b'), name: $('name-b'), slug: $('slug-b'), badge: $('badge-b'), body: $('body-b'), stats: $('stats-b'), letter: 'B' },
  },
  voteButtons: Array.from(document.querySelectorAll('button[data-verdict]')),
  result: $('result'),
  notCounted: $('not-counted'),
  stop: $('stop'),
  newRound: $('new-round'),
};

/**
 * What the arena offers; filled from GET /api/v1/arena at start-up (and
 * the choices again at every new round). `choices`: the live models of a
 * named battle, as [{name, displayName, available}]; an unavailable one is
 * sitting out a failure cool-down and cannot be chosen.
 */
export const arena = { live: false, maxPromptChars: null, maxTurns: null, choices: [] };

/**
 * The round being shown. One object rather than module-level `let`s because
 * an imported binding cannot be assigned to: the modules change its fields.
 */
export const page = {
  battle: null, // the battle currently shown (the server's JSON, kept in step with the stream)
  roundToken: 0, // bumped by every new round; guards against out-of-order responses
  voting: false, // a vote request is in flight
  busy: false, // a prompt, follow-up or regenerate request is in flight
  stream: null, // the open answer stream, see openStream() in stream.js
  failed: null, // {reason} while the latest turn of a live battle failed (state "failed")
  emptyStopped: new Set(), // sides whose latest answer was stopped before its first word
};

// How each answer of the current battle finished ({finish_reason}), by
// "turn:side", so that the line under earlier answers ("Stopped") survives
// re-rendering the battle on a new turn. Speed and token counts are not
// kept: they are shown only after the vote, from the vote's answer.
export const answerMeta = new Map();

export function state() {
  return document.body.dataset.state;
}
