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
//     regeneration are possible until the vote.
//
// document.body.dataset.state is one of:
//   "loading"    a battle (or a new turn of one) is being requested
//   "prompt"     live arena: waiting for the voter's prompt (#prompt-form)
//   "streaming"  live battle: the answers are being written
//   "ready"      both answers are complete and can be voted on
//   "voted"      the vote was recorded and the models are revealed
//   "void"       live battle: a model failed, the battle cannot be voted on
//   "error"      something failed; #error says what
// The vote buttons are enabled only in "ready".
//
// Model content arrives twice: as markdown source (prompt, a, b, stream
// deltas) and as HTML that the server has already sanitised (*_html, the
// `html` of a `done` event). Only the sanitised HTML is ever assigned to
// innerHTML; everything else is only ever used as textContent.

import {
  addTurn,
  ApiError,
  castVote,
  clearError,
  createBattle,
  createLiveBattle,
  getArena,
  getBattle,
  regenerateBattle,
  showError,
  stopBattle,
  streamUrl,
} from './api.js';

const VERDICTS = {
  model_a: 'A is better',
  model_b: 'B is better',
  tie: 'Tie',
  'tie (bothbad)': 'Both are bad',
};

const KEY_TO_VERDICT = { 1: 'model_a', 2: 'model_b', 3: 'tie', 4: 'tie (bothbad)' };

const SIDES = ['a', 'b'];

const LIVE_LEDE =
  'Ask anything: two anonymous models answer side by side. Read both, then vote. The model names are revealed after your vote.';
const DEFAULT_VOID_REASON = 'One of the models failed, so this battle cannot be voted on. Start a new round.';

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`battle page is missing #${id}`);
  return el;
};

const ui = {
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

/** What the arena offers; filled from GET /api/v1/arena at start-up. */
const arena = { live: false, maxPromptChars: null, maxTurns: null };

let battle = null; // the battle currently shown (the server's JSON, kept in step with the stream)
let roundToken = 0; // bumped by every new round; guards against out-of-order responses
let voting = false; // a vote request is in flight
let busy = false; // a prompt, follow-up or regenerate request is in flight
let stream = null; // the open answer stream, see openStream()
// `done` events of the current battle by "turn:side", so that the latency
// line of earlier turns survives re-rendering the battle on a new turn.
const answerMeta = new Map();

function state() {
  return document.body.dataset.state;
}

function setState(next) {
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
  setVoteButtonsEnabled(s === 'ready' && !voting && battle !== null);
  ui.stop.hidden = s !== 'streaming';

  const liveOpen = s === 'ready' && isLive(battle) && battle.status === 'open';
  ui.followup.hidden = !liveOpen;
  const turns = battle ? turnsOf(battle).length : 0;
  const atLimit = arena.maxTurns !== null && turns >= arena.maxTurns;
  ui.followupForm.hidden = atLimit;
  ui.turnLimit.hidden = !atLimit;
  ui.turnLimit.textContent = atLimit
    ? `This conversation has reached the limit of ${arena.maxTurns} turns: vote, or regenerate the last answers.`
    : '';
  ui.regenerate.disabled = busy;
  updatePromptComposer();
  updateFollowupComposer();
}

function setVoteButtonsEnabled(enabled) {
  for (const btn of ui.voteButtons) {
    btn.disabled = !enabled;
  }
}

/**
 * Which part of the page is shown: the prompt box ("composer"), the battle
 * ("battle") or neither ("none", when no battle could be loaded).
 */
function showView(view) {
  ui.composer.hidden = view !== 'composer';
  const battleShown = view === 'battle';
  ui.prompt.hidden = !battleShown;
  ui.panes.hidden = !battleShown;
  ui.voteBar.hidden = !battleShown;
  if (!battleShown) ui.followup.hidden = true;
}

function isLive(b) {
  return b !== null && typeof b === 'object' && b.live === true;
}

function placeholder(text) {
  const p = document.createElement('p');
  p.className = 'placeholder';
  p.textContent = text;
  return p;
}

// ---------------------------------------------------------------- rendering

/** Wrap tables so that wide ones scroll inside the pane, not the page. */
function wrapTables(root) {
  for (const table of root.querySelectorAll('table')) {
    const parent = table.parentElement;
    if (parent && parent.classList.contains('table-scroll')) continue;
    const wrap = document.createElement('div');
    wrap.className = 'table-scroll';
    table.replaceWith(wrap);
    wrap.append(table);
  }
}

/**
 * A block of model/user content. `html` is server-sanitised HTML; when it is
 * missing the raw markdown is shown as plain text.
 */
function contentBlock(html, raw) {
  const div = document.createElement('div');
  // Arabic and other right-to-left answers lay out by their own script.
  div.dir = 'auto';
  if (typeof raw === 'string' && raw.trim() === '') {
    div.className = 'markdown empty';
    div.textContent = '(empty answer)';
  } else if (typeof html === 'string') {
    div.className = 'markdown';
    div.innerHTML = html; // sanitised by the server (ammonia)
    wrapTables(div);
  } else {
    div.className = 'markdown raw';
    div.textContent = typeof raw === 'string' ? raw : '';
  }
  return div;
}

/** The content of an answer that is not written yet. */
function pendingBlock(text) {
  const div = document.createElement('div');
  div.className = 'markdown pending';
  div.append(placeholder(text));
  return div;
}

/** The battle's turns, falling back to the first-turn fields. */
function turnsOf(b) {
  if (Array.isArray(b.turns) && b.turns.length > 0) {
    return b.turns;
  }
  return [{ prompt: b.prompt, a: b.a, b: b.b }];
}

function titleCase(s) {
  const t = String(s).replace(/[_-]+/g, ' ').trim();
  return t ? t.charAt(0).toUpperCase() + t.slice(1) : '';
}

let languageNames = null;
function languageName(code) {
  if (!code) return '';
  try {
    languageNames ??= new Intl.DisplayNames(['en'], { type: 'language' });
    const name = languageNames.of(code);
    if (name && name.toLowerCase() !== String(code).toLowerCase()) return name;
  } catch {
    // unknown or malformed code: show it as is
  }
  return String(code);
}

function renderMeta(b, turnCount) {
  const parts = [];
  if (isLive(b)) parts.push('Live battle');
  if (b.category) parts.push(titleCase(b.category));
  if (b.language) parts.push(languageName(b.language));
  if (turnCount > 1) parts.push(`${turnCount} turns`);
  if (b.question_set && b.question_id !== undefined && b.question_id !== null) {
    parts.push(`question ${b.question_set}/${b.question_id}`);
  } else if (b.question_id !== undefined && b.question_id !== null) {
    parts.push(`question ${b.question_id}`);
  }
  ui.meta.textContent = parts.join(' · ');
}

function formatMs(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

const isCount = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** The muted line under a finished live answer, e.g. "Stopped · 1.2 s · 80 tokens". */
function answerMetaText(d) {
  const parts = [];
  if (d.finish_reason === 'stopped') parts.push('Stopped');
  else if (d.finish_reason === 'length') parts.push('Cut off at the length limit');
  if (isCount(d.latency_ms)) parts.push(formatMs(d.latency_ms));
  if (isCount(d.first_token_ms)) parts.push(`first token after ${formatMs(d.first_token_ms)}`);
  if (isCount(d.completion_tokens)) parts.push(`${d.completion_tokens} ${d.completion_tokens === 1 ? 'token' : 'tokens'}`);
  return parts.join(' · ');
}

function setAnswerMeta(answer, d) {
  const line = answer.querySelector(':scope > .answer-meta');
  const text = d ? answerMetaText(d) : '';
  line.textContent = text;
  line.hidden = text === '';
  if (d && typeof d.finish_reason === 'string') {
    answer.dataset.finishReason = d.finish_reason;
  } else {
    delete answer.dataset.finishReason;
  }
}

function renderBattle(b) {
  const turns = turnsOf(b);
  // Only the last turn can still be waiting for its answers.
  const pendingTurn = b.pending === true ? turns.length - 1 : -1;

  ui.demoLabel.hidden = b.question_set !== 'demo';
  renderMeta(b, turns.length);

  // The opening prompt, shown once above both panes.
  const first = turns[0];
  const head = document.createElement('h2');
  head.className = 'section-label';
  const what = isLive(b) ? 'Your prompt' : 'Prompt';
  head.textContent = turns.length > 1 ? `${what} (turn 1 of ${turns.length})` : what;
  ui.prompt.replaceChildren(head, contentBlock(first.prompt_html, first.prompt));
  ui.prompt.dataset.battleId = String(b.id);

  // Each pane holds that model's side of the conversation: its answer to
  // turn 1, then each follow-up prompt and its answer. On wide screens the
  // rows line up across the two panes (CSS subgrid). Answers are
  // `.answer[data-turn=N]` with N counted from 0, as in the stream's events.
  for (const key of SIDES) {
    const side = ui.side[key];
    const nodes = [];
    turns.forEach((turn, i) => {
      if (i > 0) {
        const follow = document.createElement('div');
        follow.className = 'turn-followup';
        const label = document.createElement('div');
        label.className = 'section-label';
        label.textContent = `Follow-up prompt (turn ${i + 1} of ${turns.length})`;
        follow.append(label, contentBlock(turn.prompt_html, turn.prompt));
        nodes.push(follow);
      }
      const answer = document.createElement('div');
      answer.className = 'turn-answer answer';
      answer.dataset.turn = String(i);
      answer.dataset.side = key;
      if (turns.length > 1) {
        const label = document.createElement('div');
        label.className = 'section-label';
        label.textContent = `Answer ${side.letter} (turn ${i + 1})`;
        answer.append(label);
      }
      const content =
        i === pendingTurn ? pendingBlock('Waiting for the answer…') : contentBlock(turn[`${key}_html`], turn[key]);
      content.classList.add('answer-content');
      const metaLine = document.createElement('p');
      metaLine.className = 'answer-meta';
      metaLine.hidden = true;
      answer.append(content, metaLine);
      if (i !== pendingTurn) setAnswerMeta(answer, answerMeta.get(`${i}:${key}`));
      nodes.push(answer);
    });
    side.body.replaceChildren(...nodes);
  }
  ui.panes.dataset.turns = String(turns.length);
}

/** The answer element of one side and turn, if shown. */
function answerEl(key, turn) {
  return ui.side[key].body.querySelector(`.answer[data-turn="${turn}"]`);
}

function replaceAnswerContent(answer, block) {
  block.classList.add('answer-content');
  const old = answer.querySelector(':scope > .answer-content');
  if (old) old.replaceWith(block);
  else answer.querySelector(':scope > .answer-meta').before(block);
}

/** Forget the last round: reveal, vote result, void notice, error. */
function resetRound() {
  for (const key of SIDES) {
    const side = ui.side[key];
    side.name.textContent = `Model ${side.letter}`;
    side.slug.textContent = '';
    side.slug.hidden = true;
    side.badge.textContent = '';
    side.badge.hidden = true;
    side.pane.classList.remove('is-winner', 'is-loser', 'is-tie', 'is-bad');
    side.body.setAttribute('aria-busy', 'false');
  }
  for (const btn of ui.voteButtons) {
    btn.classList.remove('is-chosen');
    btn.setAttribute('aria-pressed', 'false');
  }
  ui.result.textContent = '';
  ui.result.className = 'result';
  ui.notCounted.textContent = '';
  ui.notCounted.hidden = true;
  ui.voidReason.textContent = '';
  ui.voidReason.hidden = true;
  ui.newRound.hidden = true;
  ui.demoLabel.hidden = true;
  ui.meta.textContent = '';
  delete ui.panes.dataset.turns;
  answerMeta.clear();
  clearError(ui.error);
}

function reveal(res, verdict) {
  const names = {};
  for (const key of SIDES) {
    const side = ui.side[key];
    const slug = typeof res[`model_${key}`] === 'string' ? res[`model_${key}`] : '';
    const display = res[`model_${key}_display`] || slug || 'unknown model';
    names[key] = display;
    side.name.textContent = `Model ${side.letter}: ${display}`;
    side.slug.textContent = slug;
    side.slug.hidden = !slug || slug === display;
  }

  const v = typeof res.verdict === 'string' && res.verdict in VERDICTS ? res.verdict : verdict;
  const { a, b } = ui.side;
  const badge = (side, text) => {
    side.badge.textContent = text;
    side.badge.hidden = false;
  };
  let line;
  if (v === 'model_a' || v === 'model_b') {
    const [win, lose] = v === 'model_a' ? [a, b] : [b, a];
    const [winName, loseName] = v === 'model_a' ? [names.a, names.b] : [names.b, names.a];
    win.pane.classList.add('is-winner');
    lose.pane.classList.add('is-loser');
    badge(win, 'Winner');
    line = `You preferred Model ${win.letter}: ${winName} over ${loseName}.`;
  } else if (v === 'tie') {
    a.pane.classList.add('is-tie');
    b.pane.classList.add('is-tie');
    badge(a, 'Tie');
    badge(b, 'Tie');
    line = `You called it a tie between ${names.a} and ${names.b}.`;
  } else {
    a.pane.classList.add('is-bad');
    b.pane.classList.add('is-bad');
    badge(a, 'Bad');
    badge(b, 'Bad');
    line = `You rated both answers as bad (${names.a} and ${names.b}).`;
  }
  if (res.counted !== false) line += ' Thanks for voting!';
  ui.result.textContent = line;
  ui.result.className = 'result result-done';

  if (res.counted === false) {
    const reason = typeof res.not_counted_reason === 'string' ? res.not_counted_reason.trim() : '';
    ui.notCounted.textContent = reason
      ? `This vote was recorded but not counted: ${/[.!?]$/.test(reason) ? reason : `${reason}.`}`
      : 'This vote was recorded but does not count towards the leaderboard.';
    ui.notCounted.hidden = false;
  }
}

// ---------------------------------------------------------------- streaming

/**
 * Open the event stream of the battle's pending last turn. One session
 * object per stream; every handler first checks that its session is still
 * the current one, so a late event of an abandoned stream changes nothing.
 */
function openStream(b) {
  closeStream();
  const s = {
    battleId: b.id,
    turn: turnsOf(b).length - 1,
    done: { a: false, b: false },
    text: { a: '', b: '' },
    nodes: { a: null, b: null }, // the text node each side's deltas are appended to
    ended: false,
    voided: false,
    stopping: false,
    es: null,
  };
  stream = s;
  for (const key of SIDES) {
    const answer = answerEl(key, s.turn);
    if (answer) {
      // A reconnect replays the whole turn: start both answers afresh.
      replaceAnswerContent(answer, pendingBlock('Waiting for the answer…'));
      setAnswerMeta(answer, null);
      answer.classList.add('is-streaming');
    }
    ui.side[key].body.setAttribute('aria-busy', 'true');
  }
  ui.stop.disabled = false;
  ui.stop.textContent = 'Stop generating';
  setState('streaming');

  let es;
  try {
    es = new EventSource(streamUrl(b.id));
  } catch (err) {
    streamFailed(s, err instanceof Error ? err.message : String(err));
    return;
  }
  s.es = es;
  es.addEventListener('delta', (ev) => onDelta(s, ev));
  es.addEventListener('done', (ev) => onDone(s, ev));
  es.addEventListener('void', (ev) => onVoid(s, ev));
  es.addEventListener('end', (ev) => onEnd(s, ev));
  es.addEventListener('error', (ev) => onStreamError(s, ev));
}

/** Close a session's EventSource; it stops being the current stream. */
function closeSession(s) {
  if (s.es) s.es.close();
  if (stream === s) stream = null;
  for (const key of SIDES) {
    if (s.done[key]) continue;
    const answer = answerEl(key, s.turn);
    if (answer) answer.classList.remove('is-streaming');
  }
  for (const key of SIDES) ui.side[key].body.setAttribute('aria-busy', 'false');
}

/**
 * Close the current stream, if any. With `abandon`, unfinished answers are
 * also stopped on the server (the voter moved on; nobody will read them).
 */
function closeStream({ abandon = false } = {}) {
  const s = stream;
  if (!s) return;
  closeSession(s);
  if (abandon && !s.ended && !s.voided && !(s.done.a && s.done.b)) {
    stopBattle(s.battleId).catch(() => {});
  }
}

/** Parse an event's JSON; a malformed event breaks the stream. */
function eventData(s, ev) {
  if (stream !== s) return null;
  let d = null;
  try {
    d = JSON.parse(ev.data);
  } catch {
    d = null;
  }
  if (d === null || typeof d !== 'object') {
    streamFailed(s, `The server sent a "${ev.type}" event that could not be read.`);
    return null;
  }
  return d;
}

/** The side an event is about, or null when it is not for this turn. */
function eventSide(s, d) {
  if (!SIDES.includes(d.side)) return null;
  if (Number.isInteger(d.turn) && d.turn !== s.turn) return null;
  return d.side;
}

function onDelta(s, ev) {
  const d = eventData(s, ev);
  if (!d) return;
  const key = eventSide(s, d);
  if (!key || s.done[key] || typeof d.text !== 'string' || d.text === '') return;
  let node = s.nodes[key];
  if (!node) {
    const answer = answerEl(key, s.turn);
    if (!answer) return;
    // While streaming the answer is plain text; the sanitised HTML of the
    // `done` event replaces it.
    const div = document.createElement('div');
    div.className = 'markdown raw';
    div.dir = 'auto';
    node = document.createTextNode('');
    div.append(node);
    replaceAnswerContent(answer, div);
    s.nodes[key] = node;
  }
  node.appendData(d.text);
  s.text[key] += d.text;
}

function onDone(s, ev) {
  const d = eventData(s, ev);
  if (!d) return;
  const key = eventSide(s, d);
  if (!key) return;
  s.done[key] = true;
  s.nodes[key] = null;
  const raw = typeof d.text === 'string' ? d.text : s.text[key];
  const html = typeof d.html === 'string' ? d.html : undefined;
  const answer = answerEl(key, s.turn);
  if (answer) {
    replaceAnswerContent(answer, contentBlock(html, raw));
    answer.classList.remove('is-streaming');
    setAnswerMeta(answer, d);
  }
  ui.side[key].body.setAttribute('aria-busy', 'false');
  answerMeta.set(`${s.turn}:${key}`, d);

  // Keep the local copy of the battle in step with what is shown.
  if (battle && battle.id === s.battleId) {
    const turn = turnsOf(battle)[s.turn];
    if (turn) {
      turn[key] = raw;
      if (html !== undefined) turn[`${key}_html`] = html;
    }
    if (s.done.a && s.done.b) battle.pending = false;
  }
  if (s.done.a && s.done.b && !s.voided && state() === 'streaming') {
    // Both answers are complete: voting is possible even before `end`.
    setState('ready');
  }
}

function onVoid(s, ev) {
  const d = eventData(s, ev);
  if (!d) return;
  s.voided = true;
  enterVoid(typeof d.reason === 'string' && d.reason.trim() ? d.reason.trim() : DEFAULT_VOID_REASON);
  for (const key of SIDES) {
    if (s.done[key]) continue;
    const answer = answerEl(key, s.turn);
    if (!answer) continue;
    answer.classList.remove('is-streaming');
    if (!s.nodes[key]) replaceAnswerContent(answer, pendingBlock('(no answer)'));
  }
}

function onEnd(s, ev) {
  if (stream !== s) return;
  // Lenient on purpose: whatever `end` carries, the stream is over.
  let d = {};
  try {
    d = JSON.parse(ev.data) ?? {};
  } catch {
    d = {};
  }
  s.ended = true;
  // Close now: an EventSource left open would reconnect and replay the turn.
  closeSession(s);
  if (s.voided) return;
  if (d.status === 'void') {
    s.voided = true;
    enterVoid(DEFAULT_VOID_REASON);
  } else if (!(s.done.a && s.done.b)) {
    recoverAfterEnd(s);
  }
}

/**
 * The `error` event: the connection failed or dropped (EventSource gives no
 * status), or the server sent an event named "error". Either way the stream
 * is closed rather than left to reconnect on its own.
 */
function onStreamError(s, ev) {
  if (stream !== s || s.ended) return;
  let message = 'The connection to the server was lost before both answers were finished.';
  if (typeof ev.data === 'string' && ev.data) {
    try {
      const d = JSON.parse(ev.data);
      const m = d && (d.error && typeof d.error === 'object' ? d.error.message : d.message);
      if (typeof m === 'string' && m.trim()) message = m.trim();
    } catch {
      // not JSON: keep the generic message
    }
  }
  streamFailed(s, message);
}

/** A broken stream: show the error unless both answers had already arrived. */
function streamFailed(s, message) {
  closeSession(s);
  if (state() !== 'streaming') return; // ready, voted or void: nothing is missing
  showError(ui.error, 'The answers could not be loaded.', new Error(message));
  ui.error.append(' ', retryButton('Reconnect', () => reconnect(s.battleId)));
  ui.newRound.hidden = false;
  setState('error');
}

/** The stream ended without both answers: ask the server where the battle stands. */
async function recoverAfterEnd(s) {
  const token = roundToken;
  let b;
  try {
    b = await getBattle(s.battleId);
  } catch (err) {
    if (token !== roundToken || state() !== 'streaming') return;
    showError(ui.error, 'The answers could not be loaded.', err);
    ui.newRound.hidden = false;
    setState('error');
    return;
  }
  if (token !== roundToken || state() !== 'streaming') return;
  if (b.pending === true && b.status !== 'void') {
    // Still pending although the server ended the stream: let the voter
    // decide whether to try again rather than reconnecting in a loop.
    showError(
      ui.error,
      'The answers could not be loaded.',
      new Error('The server ended the stream before both answers were finished.'),
    );
    ui.error.append(' ', retryButton('Reconnect', () => reconnect(s.battleId)));
    ui.newRound.hidden = false;
    setState('error');
    return;
  }
  showBattle(b);
}

async function reconnect(battleId) {
  if (!battle || battle.id !== battleId) return;
  clearError(ui.error);
  ui.newRound.hidden = true;
  const token = roundToken;
  setState('loading');
  try {
    const b = await getBattle(battleId);
    if (token !== roundToken) return;
    showBattle(b);
  } catch (err) {
    if (token !== roundToken) return;
    showError(ui.error, 'The answers could not be loaded.', err);
    ui.error.append(' ', retryButton('Reconnect', () => reconnect(battleId)));
    ui.newRound.hidden = false;
    setState('error');
  }
}

/**
 * Show a battle from the server and move to the state it calls for: void,
 * streaming (pending answers) or ready.
 */
function showBattle(b) {
  // A plain GET may not say whether the battle is live: keep what we knew.
  if (b.live === undefined && battle && battle.id === b.id) b.live = battle.live;
  battle = b;
  showView('battle');
  renderBattle(b);
  if (b.status === 'void') {
    enterVoid(DEFAULT_VOID_REASON);
  } else if (b.pending === true) {
    openStream(b);
  } else {
    setState('ready');
  }
}

function enterVoid(reason) {
  ui.voidReason.textContent = reason;
  ui.voidReason.hidden = false;
  if (battle) {
    battle.status = 'void';
    battle.pending = false;
  }
  if (state() === 'voted') return; // the vote response has the last word
  ui.newRound.hidden = false;
  setState('void');
}

async function stopAnswers() {
  const s = stream;
  if (!s || s.stopping || state() !== 'streaming') return;
  s.stopping = true;
  ui.stop.disabled = true;
  ui.stop.textContent = 'Stopping…';
  try {
    // The stream then sends `done` (finish_reason "stopped") for each
    // unfinished answer, which moves the page on to "ready".
    await stopBattle(s.battleId);
  } catch (err) {
    if (stream !== s) return;
    // 409: the answers finished meanwhile; the stream says so by itself.
    if (err instanceof ApiError && err.status === 409) return;
    s.stopping = false;
    ui.stop.disabled = false;
    ui.stop.textContent = 'Stop generating';
    showError(ui.error, 'Could not stop the answers.', err);
  }
}

// ------------------------------------------------------------------ actions

function retryButton(label, action) {
  const btn = document.createElement('button');
  btn.type = 'button';
  btn.className = 'btn btn-small alert-action';
  btn.textContent = label;
  btn.addEventListener('click', action);
  return btn;
}

function startRound({ scroll }) {
  roundToken += 1;
  closeStream({ abandon: true });
  battle = null;
  voting = false;
  busy = false;
  resetRound();
  if (scroll) window.scrollTo(0, 0);
  return roundToken;
}

/** Question bank: fetch a battle whose answers are already complete. */
async function loadBattle({ scroll = false } = {}) {
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
    if (token !== roundToken) return;
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
  if (token !== roundToken) return;
  showBattle(b);
}

/** Live arena: wait for the voter's prompt. */
function showComposer({ scroll = false } = {}) {
  startRound({ scroll });
  ui.prompt.replaceChildren();
  delete ui.prompt.dataset.battleId;
  ui.side.a.body.replaceChildren();
  ui.side.b.body.replaceChildren();
  ui.promptInput.readOnly = false;
  showView('composer');
  setState('prompt');
  ui.promptInput.focus({ preventScroll: true });
}

async function sendPrompt(text) {
  if (state() !== 'prompt' || busy) return;
  const token = roundToken;
  busy = true;
  clearError(ui.error);
  ui.promptInput.readOnly = true;
  setState('loading');
  let b;
  try {
    b = await createLiveBattle(text);
    if (!b || typeof b !== 'object' || b.id === undefined || b.id === null || b.id === '') {
      throw new ApiError(201, 'invalid_response', 'The server sent a battle without an id.');
    }
  } catch (err) {
    if (token !== roundToken) return;
    busy = false;
    ui.promptInput.readOnly = false;
    // Stay on the prompt box with the text kept, so it can be fixed or resent.
    showError(ui.error, 'Could not start a battle.', err);
    setState('prompt');
    ui.promptInput.focus({ preventScroll: true });
    return;
  }
  if (token !== roundToken) return;
  busy = false;
  ui.promptInput.readOnly = false;
  ui.promptInput.value = '';
  showBattle(b);
}

/**
 * Follow-up and regenerate: both return the battle with a pending last turn
 * whose answers are then streamed.
 */
async function continueBattle(kind, text) {
  if (!battle || busy || state() !== 'ready' || !isLive(battle)) return;
  const current = battle;
  const token = roundToken;
  busy = true;
  clearError(ui.error);
  setState('loading');
  let b;
  try {
    b = kind === 'followup' ? await addTurn(current.id, text) : await regenerateBattle(current.id);
    if (!b || typeof b !== 'object' || b.id !== current.id) {
      throw new ApiError(201, 'invalid_response', 'The server sent a battle that could not be read.');
    }
  } catch (err) {
    if (token !== roundToken) return;
    busy = false;
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
  if (token !== roundToken) return;
  busy = false;
  if (kind === 'followup') ui.followupInput.value = '';
  // Regenerated answers get new latency lines.
  const last = turnsOf(b).length - 1;
  for (const key of SIDES) answerMeta.delete(`${last}:${key}`);
  showBattle(b);
}

async function vote(verdict) {
  if (!battle || voting || !(verdict in VERDICTS)) return;
  if (state() !== 'ready') return;

  const current = battle;
  voting = true;
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
    if (battle !== current) return;
    current.status = 'closed';
    voting = false;
    reveal(res, verdict);
    ui.newRound.hidden = false;
    setState('voted');
    ui.newRound.focus({ preventScroll: true });
  } catch (err) {
    if (battle !== current) return;
    voting = false;
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

function newRound() {
  if (arena.live) showComposer({ scroll: true });
  else loadBattle({ scroll: true });
}

// ----------------------------------------------------------------- composers

/** Characters as the server counts them (code points, not UTF-16 units). */
function charCount(s) {
  return Array.from(s).length;
}

/**
 * Wire a prompt box: character counter, send enabled only for a non-empty
 * prompt within the limit, Enter sends and Shift+Enter starts a new line.
 * Returns the function that refreshes the counter and the send button.
 */
function composer({ form, input, send, counter, canSend, onSend }) {
  const update = () => {
    const n = charCount(input.value);
    const max = arena.maxPromptChars;
    const over = max !== null && n > max;
    counter.textContent =
      max !== null ? `${n.toLocaleString('en')} / ${max.toLocaleString('en')} characters` : `${n.toLocaleString('en')} characters`;
    if (over) counter.textContent += ': too long';
    counter.classList.toggle('is-over', over);
    send.disabled = !canSend() || input.value.trim() === '' || over;
  };
  input.addEventListener('input', update);
  input.addEventListener('keydown', (ev) => {
    // isComposing: Enter that confirms an IME composition is not a send.
    if (ev.key !== 'Enter' || ev.shiftKey || ev.altKey || ev.isComposing) return;
    ev.preventDefault();
    if (!send.disabled) form.requestSubmit(send);
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    update();
    if (send.disabled) return;
    onSend(input.value);
  });
  return update;
}

const updatePromptComposer = composer({
  form: ui.promptForm,
  input: ui.promptInput,
  send: ui.send,
  counter: ui.promptCount,
  canSend: () => state() === 'prompt' && !busy,
  onSend: (text) => sendPrompt(text),
});

const updateFollowupComposer = composer({
  form: ui.followupForm,
  input: ui.followupInput,
  send: ui.followupSend,
  counter: ui.followupCount,
  canSend: () => state() === 'ready' && !busy && !voting,
  onSend: (text) => continueBattle('followup', text),
});

// ------------------------------------------------------------------- wiring

for (const btn of ui.voteButtons) {
  btn.addEventListener('click', () => vote(btn.dataset.verdict));
}
ui.newRound.addEventListener('click', () => newRound());
ui.stop.addEventListener('click', () => stopAnswers());
ui.regenerate.addEventListener('click', () => continueBattle('regenerate'));
ui.randomQuestion.addEventListener('click', () => loadBattle());

document.addEventListener('keydown', (ev) => {
  if (ev.defaultPrevented || ev.repeat || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const t = ev.target;
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
  } catch {
    arena.live = false;
  }
}

async function start() {
  setState('loading');
  await loadArena();
  if (arena.live) {
    ui.lede.textContent = LIVE_LEDE;
    showComposer();
  } else {
    loadBattle();
  }
}

start();
