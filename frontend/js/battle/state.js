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
  side: {
    a: { pane: $('pane-a'), name: $('name-a'), slug: $('slug-a'), badge: $('badge-a'), body: $('body-a'), letter: 'A' },
    b: { pane: $('pane-b'), name: $('name-b'), slug: $('slug-b'), badge: $('badge-b'), body: $('body-b'), letter: 'B' },
  },
  voteButtons: Array.from(document.querySelectorAll('button[data-verdict]')),
  result: $('result'),
  notCounted: $('not-counted'),
  stop: $('stop'),
  newRound: $('new-round'),
};

/**
 * What the arena offers; filled from GET /api/v1/arena at start-up.
 * `choices`: the live models a voter may pick for a named battle, as
 * [{name, displayName}].
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
};

// `done` events of the current battle by "turn:side", so that the latency
// line of earlier turns survives re-rendering the battle on a new turn.
export const answerMeta = new Map();

export function state() {
  return document.body.dataset.state;
}
