// Battle page: fetch an anonymous battle, show both answers, take a vote,
// reveal the models.
//
// document.body.dataset.state is one of:
//   "loading"  a battle is being fetched
//   "ready"    a battle is shown and can be voted on
//   "voted"    the vote was recorded and the models are revealed
//   "error"    something failed; #error says what
//
// Model content arrives twice: as markdown source (prompt, a, b) and as HTML
// that the server has already sanitised (*_html). Only the sanitised HTML is
// ever assigned to innerHTML; raw markdown is only ever used as textContent.

import { ApiError, castVote, clearError, createBattle, showError } from './api.js';

const VERDICTS = {
  model_a: 'A is better',
  model_b: 'B is better',
  tie: 'Tie',
  'tie (bothbad)': 'Both are bad',
};

const KEY_TO_VERDICT = { 1: 'model_a', 2: 'model_b', 3: 'tie', 4: 'tie (bothbad)' };

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`battle page is missing #${id}`);
  return el;
};

const ui = {
  error: $('error'),
  demoLabel: $('demo-label'),
  meta: $('battle-meta'),
  prompt: $('prompt'),
  panes: $('panes'),
  voteBar: $('vote-bar'),
  side: {
    a: { pane: $('pane-a'), name: $('name-a'), slug: $('slug-a'), badge: $('badge-a'), body: $('body-a'), letter: 'A' },
    b: { pane: $('pane-b'), name: $('name-b'), slug: $('slug-b'), badge: $('badge-b'), body: $('body-b'), letter: 'B' },
  },
  voteButtons: Array.from(document.querySelectorAll('button[data-verdict]')),
  result: $('result'),
  newRound: $('new-round'),
};

let battle = null; // the battle currently shown
let loadToken = 0; // guards against out-of-order battle responses
let voting = false;

function setState(state) {
  document.body.dataset.state = state;
  ui.prompt.setAttribute('aria-busy', state === 'loading' ? 'true' : 'false');
}

function setVoteButtonsEnabled(enabled) {
  for (const btn of ui.voteButtons) {
    btn.disabled = !enabled;
  }
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

function renderBattle(b) {
  const turns = turnsOf(b);

  ui.demoLabel.hidden = b.question_set !== 'demo';
  renderMeta(b, turns.length);

  // The opening prompt, shown once above both panes.
  const first = turns[0];
  const head = document.createElement('h2');
  head.className = 'section-label';
  head.textContent = turns.length > 1 ? `Prompt (turn 1 of ${turns.length})` : 'Prompt';
  ui.prompt.replaceChildren(head, contentBlock(first.prompt_html, first.prompt));
  ui.prompt.dataset.battleId = String(b.id);

  // Each pane holds that model's side of the conversation: its answer to
  // turn 1, then each follow-up prompt and its answer. On wide screens the
  // rows line up across the two panes (CSS subgrid).
  for (const key of ['a', 'b']) {
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
      answer.className = 'turn-answer';
      answer.dataset.turn = String(i + 1);
      if (turns.length > 1) {
        const label = document.createElement('div');
        label.className = 'section-label';
        label.textContent = `Answer ${side.letter} (turn ${i + 1})`;
        answer.append(label);
      }
      answer.append(contentBlock(turn[`${key}_html`], turn[key]));
      nodes.push(answer);
    });
    side.body.replaceChildren(...nodes);
  }
  ui.panes.dataset.turns = String(turns.length);
}

function resetReveal() {
  for (const key of ['a', 'b']) {
    const side = ui.side[key];
    side.name.textContent = `Model ${side.letter}`;
    side.slug.textContent = '';
    side.slug.hidden = true;
    side.badge.textContent = '';
    side.badge.hidden = true;
    side.pane.classList.remove('is-winner', 'is-loser', 'is-tie', 'is-bad');
  }
  for (const btn of ui.voteButtons) {
    btn.classList.remove('is-chosen');
    btn.setAttribute('aria-pressed', 'false');
  }
  ui.result.textContent = '';
  ui.result.className = 'result';
  ui.newRound.hidden = true;
}

function reveal(res, verdict) {
  const names = {};
  for (const key of ['a', 'b']) {
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
  if (res.counted === false) {
    line += ' This vote was recorded but does not count towards the leaderboard.';
  } else {
    line += ' Thanks for voting!';
  }
  ui.result.textContent = line;
  ui.result.className = 'result result-done';
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

/** Show or hide the battle itself (hidden when none could be loaded). */
function showBattleArea(visible) {
  ui.prompt.hidden = !visible;
  ui.panes.hidden = !visible;
  ui.voteBar.hidden = !visible;
}

async function loadBattle({ scroll = false } = {}) {
  const token = ++loadToken;
  battle = null;
  voting = false;
  setState('loading');
  clearError(ui.error);
  resetReveal();
  setVoteButtonsEnabled(false);
  ui.demoLabel.hidden = true;
  ui.meta.textContent = '';
  showBattleArea(true);
  ui.prompt.replaceChildren(placeholder('Loading a new battle…'));
  delete ui.prompt.dataset.battleId;
  ui.side.a.body.replaceChildren(placeholder('Loading…'));
  ui.side.b.body.replaceChildren(placeholder('Loading…'));
  if (scroll) window.scrollTo(0, 0);

  let b;
  try {
    b = await createBattle();
    if (!b || typeof b !== 'object' || b.id === undefined || b.id === null || b.id === '') {
      throw new ApiError(200, 'invalid_response', 'The server sent a battle without an id.');
    }
  } catch (err) {
    if (token !== loadToken) return;
    showError(ui.error, 'Could not start a battle.', err);
    ui.error.append(' ', retryButton('Try again', () => loadBattle()));
    ui.prompt.replaceChildren();
    ui.side.a.body.replaceChildren();
    ui.side.b.body.replaceChildren();
    showBattleArea(false);
    setState('error');
    return;
  }
  if (token !== loadToken) return;

  battle = b;
  renderBattle(b);
  setVoteButtonsEnabled(true);
  setState('ready');
}

async function vote(verdict) {
  if (!battle || voting || !(verdict in VERDICTS)) return;
  const state = document.body.dataset.state;
  if (state !== 'ready' && state !== 'error') return;

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
    reveal(res, verdict);
    ui.newRound.hidden = false;
    setState('voted');
    ui.newRound.focus({ preventScroll: true });
  } catch (err) {
    if (battle !== current) return;
    ui.result.textContent = '';
    for (const btn of ui.voteButtons) {
      btn.classList.remove('is-chosen');
      btn.setAttribute('aria-pressed', 'false');
    }
    showError(ui.error, 'Your vote was not recorded.', err);
    if (err instanceof ApiError && err.retriable) {
      // Transient failure: let the user vote on the same battle again.
      setVoteButtonsEnabled(true);
    } else {
      // Closed, unknown or rejected battle: move on to a new one.
      ui.newRound.hidden = false;
    }
    setState('error');
  } finally {
    voting = false;
  }
}

// ------------------------------------------------------------------- wiring

for (const btn of ui.voteButtons) {
  btn.addEventListener('click', () => vote(btn.dataset.verdict));
}
ui.newRound.addEventListener('click', () => loadBattle({ scroll: true }));

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
    loadBattle({ scroll: true });
  }
});

loadBattle();
