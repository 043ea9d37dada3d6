// Battle page: rendering a battle's turns and answers.
//
// Model content arrives twice: as markdown source and as HTML that the
// server has already sanitised (*_html, the `html` of a `done` event). Only
// the sanitised HTML is ever assigned to innerHTML (in contentBlock);
// everything else is only ever used as textContent.

import { answerMeta, SIDES, ui } from './state.js';

export function isLive(b) {
  return b !== null && typeof b === 'object' && b.live === true;
}

/** A named ("side by side") battle: the voter chose its models. */
export function isNamed(b) {
  return b !== null && typeof b === 'object' && b.mode === 'named';
}

export function placeholder(text) {
  const p = document.createElement('p');
  p.className = 'placeholder';
  p.textContent = text;
  return p;
}

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
export function contentBlock(html, raw) {
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
export function pendingBlock(text) {
  const div = document.createElement('div');
  div.className = 'markdown pending';
  div.append(placeholder(text));
  return div;
}

/** The battle's turns, falling back to the first-turn fields. */
export function turnsOf(b) {
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
  if (isNamed(b)) parts.push('Side-by-side battle (not counted)');
  else if (isLive(b)) parts.push('Live battle');
  if (b.category) parts.push(titleCase(b.category));
  // "und" (undetermined: too short or mixed to tell) names no language;
  // Intl would call it "root".
  if (b.language && b.language !== 'und') parts.push(languageName(b.language));
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

export function setAnswerMeta(answer, d) {
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

export function renderBattle(b) {
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
export function answerEl(key, turn) {
  return ui.side[key].body.querySelector(`.answer[data-turn="${turn}"]`);
}

export function replaceAnswerContent(answer, block) {
  block.classList.add('answer-content');
  const old = answer.querySelector(':scope > .answer-content');
  if (old) old.replaceWith(block);
  else answer.querySelector(':scope > .answer-meta').before(block);
}
