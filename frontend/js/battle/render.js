// Battle page: rendering a battle's turns and answers.
//
// Model content arrives twice: as markdown source and as HTML that the
// server has already sanitised (*_html, the `html` of a `done` event). Only
// the sanitised HTML is ever assigned to innerHTML (in contentBlock);
// everything else is only ever used as textContent.
//
// Every block of content (the prompts and the answers) carries the battle's
// language in `lang` (see lang.js) and `dir="auto"`, so that a Chinese or
// Arabic answer is read and laid out as such whatever the interface
// language is.

import { answerMeta, SIDES, ui } from './state.js';
import { contentLang } from './lang.js';
import { has, languageName, t, tn } from '../i18n/index.js';
import { prepareContent } from '../content.js';

export function isLive(b) {
  return b !== null && typeof b === 'object' && b.live === true;
}

/** A named ("side by side") battle: the voter chose its models. */
export function isNamed(b) {
  return b !== null && typeof b === 'object' && b.mode === 'named';
}

/** The `lang` of a battle's content ("" when unknown). */
export function battleLang(b) {
  return b && typeof b === 'object' ? contentLang(b.language) : '';
}

export function placeholder(text) {
  const p = document.createElement('p');
  p.className = 'placeholder';
  p.textContent = text;
  return p;
}

/**
 * Mark a block as content in `lang` ("" is an unknown language: the block
 * does not take the interface language), laid out by its own script.
 * @param {HTMLElement} el
 * @param {string} lang
 */
export function markContent(el, lang) {
  el.lang = lang;
  el.dir = 'auto';
}

/**
 * A block of model/user content in `lang`. `html` is server-sanitised HTML;
 * when it is missing the raw markdown is shown as plain text.
 */
export function contentBlock(html, raw, lang = '') {
  const div = document.createElement('div');
  if (typeof raw === 'string' && raw.trim() === '') {
    // Our own words, not the model's: in the interface language.
    div.className = 'markdown empty';
    div.textContent = t('answer.empty');
    return div;
  }
  markContent(div, lang);
  if (typeof html === 'string') {
    div.className = 'markdown';
    div.innerHTML = html; // sanitised by the server (ammonia)
    prepareContent(div);
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
  const x = String(s).replace(/[_-]+/g, ' ').trim();
  return x ? x.charAt(0).toUpperCase() + x.slice(1) : '';
}

/** A question's category in the interface language, when the catalogue knows it. */
function categoryName(category) {
  const key = `category.${String(category).toLowerCase()}`;
  return has(key) ? t(key) : titleCase(category);
}

function renderMeta(b, turnCount) {
  const parts = [];
  if (isNamed(b)) parts.push(t('meta.named'));
  else if (isLive(b)) parts.push(t('meta.live'));
  if (b.category) parts.push(categoryName(b.category));
  // "und" (undetermined: too short or mixed to tell) names no language;
  // Intl would call it "root".
  const lang = battleLang(b);
  if (lang) parts.push(languageName(lang));
  if (turnCount > 1) parts.push(tn('meta.turns', turnCount));
  if (b.question_set && b.question_id !== undefined && b.question_id !== null) {
    parts.push(t('meta.questionInSet', { set: b.question_set, id: String(b.question_id) }));
  } else if (b.question_id !== undefined && b.question_id !== null) {
    parts.push(t('meta.question', { id: String(b.question_id) }));
  }
  ui.meta.textContent = parts.join(' · ');
}

/**
 * The muted line under a finished live answer: how it ended, when that was
 * not on its own ("Stopped"). Never its speed or length: those would give
 * a model away before the vote (see outcome.js for the reveal).
 */
function answerMetaText(d) {
  if (d.finish_reason === 'stopped') return t('answer.stopped');
  if (d.finish_reason === 'length') return t('answer.cutOff');
  return '';
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
  const lang = battleLang(b);
  // Only the last turn can still be waiting for its answers.
  const pendingTurn = b.pending === true ? turns.length - 1 : -1;

  ui.demoLabel.hidden = b.question_set !== 'demo';
  renderMeta(b, turns.length);

  // The opening prompt, shown once above both panes.
  const first = turns[0];
  const head = document.createElement('h2');
  head.className = 'section-label';
  const what = isLive(b) ? t('battle.yourPrompt') : t('battle.prompt');
  head.textContent = turns.length > 1 ? t('battle.promptOfTurns', { what, count: turns.length }) : what;
  ui.prompt.replaceChildren(head, contentBlock(first.prompt_html, first.prompt, lang));
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
        label.textContent = t('battle.followupOfTurns', { turn: i + 1, count: turns.length });
        follow.append(label, contentBlock(turn.prompt_html, turn.prompt, lang));
        nodes.push(follow);
      }
      const answer = document.createElement('div');
      answer.className = 'turn-answer answer';
      answer.dataset.turn = String(i);
      answer.dataset.side = key;
      if (turns.length > 1) {
        const label = document.createElement('div');
        label.className = 'section-label';
        label.textContent = t('battle.answerOfTurn', { letter: side.letter, turn: i + 1 });
        answer.append(label);
      }
      const content =
        i === pendingTurn ? pendingBlock(t('answer.waiting')) : contentBlock(turn[`${key}_html`], turn[key], lang);
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
