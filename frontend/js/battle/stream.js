// Battle page: the answer stream of a live battle's pending turn
// (server-sent events over EventSource), and showBattle(), which shows a
// battle from the server and opens its stream when answers are pending.
// Streamed deltas are plain text (textContent); only the server-sanitised
// `html` of a `done` event becomes HTML, through contentBlock().
//
// Events: `delta` (a piece of an answer), `done` (an answer is complete; it
// also carries timings and token counts, which are NOT shown: the vote's
// answer brings them for the reveal), `void` (the first turn failed: the
// battle cannot be voted on), `failed` (a later turn failed: the battle
// stays open with the turns before it, and the turn can be tried again),
// `end` (the stream is over).

import { clearError, getBattle, showError, stopBattle, streamUrl } from '../api.js';
import { answerMeta, page, SIDES, state, ui } from './state.js';
import {
  answerEl,
  battleLang,
  contentBlock,
  isNamed,
  markContent,
  pendingBlock,
  renderBattle,
  replaceAnswerContent,
  setAnswerMeta,
  turnsOf,
} from './render.js';
import { enterFailed, enterVoid, retryButton, setState, showView } from './controls.js';
import { showChosenModels } from './outcome.js';
import { syncLede } from './named.js';
import { announce } from './announce.js';
import { t } from '../i18n/index.js';

/** The void reason when the server gives none (it usually does, as a plain sentence). */
const defaultVoidReason = () => t('void.default');

/** What the server's reason says, trimmed, or "" when it says nothing. */
const reasonOf = (d) => (d && typeof d.reason === 'string' ? d.reason.trim() : '');

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
    failed: null, // {side, reason} once a side of this turn failed
    stopping: false,
    es: null,
  };
  page.stream = s;
  page.emptyStopped.clear();
  for (const key of SIDES) {
    const answer = answerEl(key, s.turn);
    if (answer) {
      // A reconnect replays the whole turn: start both answers afresh.
      replaceAnswerContent(answer, pendingBlock(t('answer.waiting')));
      setAnswerMeta(answer, null);
      answer.classList.add('is-streaming');
    }
    ui.side[key].body.setAttribute('aria-busy', 'true');
  }
  ui.stop.disabled = false;
  ui.stop.textContent = t('stop.label');
  setState('streaming');
  announce(t('announce.writing'));

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
  es.addEventListener('failed', (ev) => onFailed(s, ev));
  es.addEventListener('end', (ev) => onEnd(s, ev));
  es.addEventListener('error', (ev) => onStreamError(s, ev));
}

/** Close a session's EventSource; it stops being the current stream. */
function closeSession(s) {
  if (s.es) s.es.close();
  if (page.stream === s) page.stream = null;
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
export function closeStream({ abandon = false } = {}) {
  const s = page.stream;
  if (!s) return;
  closeSession(s);
  if (abandon && !s.ended && !s.voided && !(s.done.a && s.done.b)) {
    stopBattle(s.battleId).catch(() => {});
  }
}

/** Parse an event's JSON; a malformed event breaks the stream. */
function eventData(s, ev) {
  if (page.stream !== s) return null;
  let d = null;
  try {
    d = JSON.parse(ev.data);
  } catch {
    d = null;
  }
  if (d === null || typeof d !== 'object') {
    streamFailed(s, t('stream.badEvent', { event: ev.type }));
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
    markContent(div, battleLang(page.battle));
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
  // Only how the answer ended is kept: its speed and length wait for the reveal.
  const meta = { finish_reason: typeof d.finish_reason === 'string' ? d.finish_reason : null };
  if (answer) {
    replaceAnswerContent(answer, contentBlock(html, raw, battleLang(page.battle)));
    answer.classList.remove('is-streaming');
    setAnswerMeta(answer, meta);
  }
  ui.side[key].body.setAttribute('aria-busy', 'false');
  answerMeta.set(`${s.turn}:${key}`, meta);
  // Stopped before its first word: a vote on this turn would not count.
  if (meta.finish_reason === 'stopped' && (typeof raw !== 'string' || raw.trim() === '')) {
    page.emptyStopped.add(key);
  }

  // Keep the local copy of the battle in step with what is shown.
  if (page.battle && page.battle.id === s.battleId) {
    const turn = turnsOf(page.battle)[s.turn];
    if (turn) {
      turn[key] = raw;
      if (html !== undefined) turn[`${key}_html`] = html;
    }
    if (s.done.a && s.done.b) page.battle.pending = false;
  }
  settle(s);
}

/**
 * Both sides of the turn are over: move on to "ready" (voting is possible
 * even before `end`), or to "failed" when a side failed.
 */
function settle(s) {
  if (!(s.done.a && s.done.b) || s.voided || state() !== 'streaming') return;
  if (s.failed) {
    enterFailed(s.failed.reason);
    announce(t('announce.failed'));
    return;
  }
  setState('ready');
  announce(page.emptyStopped.size > 0 ? t('announce.doneStoppedEmpty') : t('announce.done'));
}

/**
 * A later turn failed on one side: that side has no answer; the battle
 * stays open with its earlier turns, and the turn can be tried again.
 */
function onFailed(s, ev) {
  const d = eventData(s, ev);
  if (!d) return;
  if (Number.isInteger(d.turn) && d.turn !== s.turn) return;
  const key = SIDES.includes(d.side) ? d.side : null;
  s.failed = { side: key, reason: reasonOf(d) };
  for (const k of key ? [key] : SIDES) {
    if (s.done[k]) continue; // an answer already complete stays
    s.done[k] = true;
    s.nodes[k] = null;
    const answer = answerEl(k, s.turn);
    if (answer) {
      answer.classList.remove('is-streaming');
      replaceAnswerContent(answer, pendingBlock(t('answer.none')));
      answer.dataset.failed = 'true';
    }
    ui.side[k].body.setAttribute('aria-busy', 'false');
  }
  if (page.battle && page.battle.id === s.battleId) page.battle.failed = true;
  settle(s);
}

function onVoid(s, ev) {
  const d = eventData(s, ev);
  if (!d) return;
  s.voided = true;
  // The server's reason is a plain sentence: shown as it comes.
  enterVoid(reasonOf(d) || defaultVoidReason());
  announce(t('announce.void'));
  for (const key of SIDES) {
    if (s.done[key]) continue;
    const answer = answerEl(key, s.turn);
    if (!answer) continue;
    answer.classList.remove('is-streaming');
    if (!s.nodes[key]) replaceAnswerContent(answer, pendingBlock(t('answer.none')));
  }
}

function onEnd(s, ev) {
  if (page.stream !== s) return;
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
    enterVoid(defaultVoidReason());
  } else if (s.failed) {
    // A side failed while the other had not finished: the turn is over.
    for (const key of SIDES) s.done[key] = true;
    settle(s);
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
  if (page.stream !== s || s.ended) return;
  let message = t('stream.lost');
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
  showError(ui.error, t('stream.notLoaded'), new Error(message));
  ui.error.append(' ', retryButton(t('stream.reconnect'), () => reconnect(s.battleId)));
  ui.newRound.hidden = false;
  setState('error');
}

/** The stream ended without both answers: ask the server where the battle stands. */
async function recoverAfterEnd(s) {
  const token = page.roundToken;
  let b;
  try {
    b = await getBattle(s.battleId);
  } catch (err) {
    if (token !== page.roundToken || state() !== 'streaming') return;
    showError(ui.error, t('stream.notLoaded'), err);
    ui.newRound.hidden = false;
    setState('error');
    return;
  }
  if (token !== page.roundToken || state() !== 'streaming') return;
  if (b.pending === true && b.status !== 'void') {
    // Still pending although the server ended the stream: let the voter
    // decide whether to try again rather than reconnecting in a loop.
    showError(ui.error, t('stream.notLoaded'), new Error(t('stream.endedEarly')));
    ui.error.append(' ', retryButton(t('stream.reconnect'), () => reconnect(s.battleId)));
    ui.newRound.hidden = false;
    setState('error');
    return;
  }
  showBattle(b);
}

async function reconnect(battleId) {
  if (!page.battle || page.battle.id !== battleId) return;
  clearError(ui.error);
  ui.newRound.hidden = true;
  const token = page.roundToken;
  setState('loading');
  try {
    const b = await getBattle(battleId);
    if (token !== page.roundToken) return;
    showBattle(b);
  } catch (err) {
    if (token !== page.roundToken) return;
    showError(ui.error, t('stream.notLoaded'), err);
    ui.error.append(' ', retryButton(t('stream.reconnect'), () => reconnect(battleId)));
    ui.newRound.hidden = false;
    setState('error');
  }
}

/**
 * Show a battle from the server and move to the state it calls for: void,
 * failed (its latest turn failed), streaming (pending answers) or ready.
 */
export function showBattle(b) {
  // A plain GET may not say whether the battle is live: keep what we knew.
  if (b.live === undefined && page.battle && page.battle.id === b.id) b.live = page.battle.live;
  page.battle = b;
  showView('battle');
  renderBattle(b);
  // Named battles show their models from the start (until the vote reveals them anyway).
  if (isNamed(b) && state() !== 'voted') showChosenModels(b);
  syncLede(isNamed(b));
  if (b.status === 'void') {
    enterVoid(typeof b.void_reason === 'string' && b.void_reason.trim() ? b.void_reason.trim() : defaultVoidReason());
  } else if (b.failed === true && b.pending !== true) {
    enterFailed(typeof b.failed_reason === 'string' ? b.failed_reason : '');
  } else if (b.pending === true) {
    openStream(b);
  } else {
    setState('ready');
  }
}
