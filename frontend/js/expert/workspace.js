// Expert page: one item on screen and the judgment being made of it.
//
// The question's turns are shown as text (textContent). The two answers
// arrive as HTML that the server has already sanitised (ammonia): that HTML,
// and only that, is assigned to innerHTML, as on the battle page. The
// rubric's axes come from the server with their labels, shown as text; the
// page's own words around them are translated.
//
// A judgment is complete when every axis and the overall preference have a
// verdict, and every ticked safety concern has a reason; until then Submit
// is disabled and the page lists what is still to do.

import { locale, t, tn } from '../i18n/index.js';
import { SIDES, session, ui } from './state.js';
import { prepareContent } from '../content.js';

/** The verdicts of an axis, in the order shown. */
const AXIS_VERDICTS = [
  { value: 'model_a', key: 'expert.axis.model_a' },
  { value: 'tie', key: 'expert.axis.tie' },
  { value: 'model_b', key: 'expert.axis.model_b' },
];

/** The overall preferences, in the order of their shortcuts 1 to 4. */
export const PREFERENCES = ['model_a', 'model_b', 'tie', 'tie (bothbad)'];

/** The words of each overall preference (the radio labels). */
const PREFERENCE_KEYS = {
  model_a: 'verdict.model_a',
  model_b: 'verdict.model_b',
  tie: 'verdict.tie',
  'tie (bothbad)': 'verdict.bothbad',
};

/** @param {string} value */
export function preferenceLabel(value) {
  return t(PREFERENCE_KEYS[value] || 'verdict.tie');
}

/**
 * Content of unknown language (the question, an answer): it does not take
 * the interface language, and is laid out by its own script.
 * @param {HTMLElement} el
 */
function markContent(el) {
  el.lang = '';
  el.dir = 'auto';
}

/** The question: one paragraph per turn, as text. */
function renderQuestion(turns) {
  const list = Array.isArray(turns) ? turns.filter((x) => typeof x === 'string') : [];
  if (list.length === 0) {
    const p = document.createElement('p');
    p.className = 'placeholder';
    p.textContent = t('answer.none');
    ui.questionBody.replaceChildren(p);
    return;
  }
  if (list.length === 1) {
    const p = document.createElement('p');
    p.className = 'ex-turn-text';
    markContent(p);
    p.textContent = list[0];
    ui.questionBody.replaceChildren(p);
    return;
  }
  const ol = document.createElement('ol');
  ol.className = 'ex-turns';
  list.forEach((turn, i) => {
    const li = document.createElement('li');
    li.className = 'ex-turn';
    const label = document.createElement('p');
    label.className = 'ex-turn-label';
    label.textContent = t('expert.turn', { n: i + 1 });
    const text = document.createElement('p');
    text.className = 'ex-turn-text';
    markContent(text);
    text.textContent = turn;
    li.append(label, text);
    ol.append(li);
  });
  ui.questionBody.replaceChildren(ol);
}

/** An answer: the server's sanitised HTML. */
function renderAnswer(side, html) {
  const div = document.createElement('div');
  if (typeof html !== 'string' || html.trim() === '') {
    div.className = 'markdown empty';
    div.textContent = t('answer.empty');
  } else {
    div.className = 'markdown';
    markContent(div);
    div.innerHTML = html; // sanitised by the server (ammonia)
    prepareContent(div);
  }
  ui.body[side].replaceChildren(div);
}

/**
 * An axis's label in the interface language: the rubric's own translation
 * (`labels["zh-CN"]`) when it has one, else its label, else its key.
 */
function axisLabel(axis) {
  const own = axis.labels && typeof axis.labels === 'object' ? axis.labels[locale()] : undefined;
  for (const label of [own, axis.label]) {
    if (typeof label === 'string' && label.trim()) return label;
  }
  return axis.key;
}

/** The rubric's axes, each a radio group: A better / Tie / B better. */
function renderAxes(rubric) {
  const axes = rubric && Array.isArray(rubric.axes) ? rubric.axes : [];
  const groups = axes
    .filter((axis) => axis && typeof axis.key === 'string' && axis.key)
    .map((axis, i) => {
      const group = document.createElement('div');
      group.className = 'ex-axis';
      group.setAttribute('role', 'radiogroup');
      group.dataset.axis = axis.key;
      const labelId = `axis-${i}-label`;
      group.setAttribute('aria-labelledby', labelId);

      const label = document.createElement('span');
      label.id = labelId;
      label.className = 'ex-axis-label';
      label.dir = 'auto';
      label.textContent = axisLabel(axis);

      const choices = document.createElement('div');
      choices.className = 'ex-choices ex-choices-3';
      for (const verdict of AXIS_VERDICTS) {
        const choice = document.createElement('label');
        choice.className = 'ex-choice';
        const input = document.createElement('input');
        input.type = 'radio';
        input.name = `axis-${i}`;
        input.value = verdict.value;
        input.dataset.axis = axis.key;
        const words = document.createElement('span');
        words.textContent = t(verdict.key);
        choice.append(input, words);
        choices.append(choice);
      }
      group.append(label, choices);
      return group;
    });
  ui.axes.replaceChildren(...groups);
}

/** The axis radio groups now on the page. */
function axisGroups() {
  return Array.from(ui.axes.querySelectorAll('.ex-axis[data-axis]'));
}

/** The checked radio of `group`, or null. */
function checkedIn(group) {
  return group.querySelector('input[type="radio"]:checked');
}

/** The chosen overall preference, or null. */
function chosenPreference() {
  const input = ui.preference.querySelector('input[name="preference"]:checked');
  return input ? input.value : null;
}

/**
 * Show how far the expert is: "{done} of {total} done", and the bar.
 * @param {{done: number, total: number} | null} progress
 */
export function showProgress(progress) {
  session.progress = progress;
  if (!progress) {
    ui.progressWrap.hidden = true;
    return;
  }
  const total = Math.max(0, progress.total);
  const done = Math.min(Math.max(0, progress.done), total);
  ui.progress.max = Math.max(total, 1);
  ui.progress.value = done;
  ui.progressLabel.textContent = t('expert.progress', { done, total });
  ui.progressWrap.hidden = false;
}

/** Open or close the skip form. */
export function showSkip(open) {
  ui.skipForm.hidden = !open;
  ui.skipToggle.setAttribute('aria-expanded', String(open));
  if (!open) {
    ui.skipReason.value = '';
    ui.skipSubmit.disabled = true;
  }
}

/** Show or hide a safety concern's reason, as its box says. */
export function syncSafety(side) {
  ui.safetyField[side].hidden = !ui.safety[side].checked;
}

/**
 * Show the item `item` (the server's `next` answer) with an empty judgment.
 * @param {any} item
 */
export function renderItem(item) {
  session.item = item;
  const progress = item.progress && typeof item.progress === 'object' ? item.progress : null;
  const done = progress && Number.isFinite(progress.done) ? progress.done : 0;
  const total = progress && Number.isFinite(progress.total) ? progress.total : 0;
  showProgress(progress ? { done, total } : null);
  ui.itemMeta.textContent = total > 0 ? t('expert.item', { n: Math.min(done + 1, total), total }) : '';
  ui.workspace.dataset.itemId = String(item.item_id);

  renderQuestion(item.question);
  renderAnswer('a', item.a);
  renderAnswer('b', item.b);
  renderAxes(item.rubric);

  ui.form.reset();
  for (const side of SIDES) {
    ui.safety[side].checked = false;
    ui.safetyReason[side].value = '';
    syncSafety(side);
  }
  showSkip(false);
  updateCompleteness();
}

/**
 * What is still to do before the judgment can be sent, in words; empty when
 * it is complete.
 * @returns {string[]}
 */
export function missingParts() {
  const missing = [];
  const open = axisGroups().filter((g) => !checkedIn(g)).length;
  if (open > 0) missing.push(tn('expert.missing.axes', open));
  if (!chosenPreference()) missing.push(t('expert.missing.preference'));
  if (ui.safety.a.checked && !ui.safetyReason.a.value.trim()) missing.push(t('expert.missing.reasonA'));
  if (ui.safety.b.checked && !ui.safetyReason.b.value.trim()) missing.push(t('expert.missing.reasonB'));
  return missing;
}

/** Whether the judgment can be sent. */
export function isComplete() {
  return session.item !== null && axisGroups().length > 0 && missingParts().length === 0;
}

/** Enable Submit once the judgment is complete, and say what is missing. */
export function updateCompleteness() {
  const missing = missingParts();
  const complete = session.item !== null && axisGroups().length > 0 && missing.length === 0;
  ui.submit.disabled = !complete;
  if (complete) {
    ui.missingTitle.textContent = t('expert.ready');
    ui.missingTitle.classList.add('is-ready');
    ui.missing.replaceChildren();
  } else {
    ui.missingTitle.textContent = t('expert.missing.title');
    ui.missingTitle.classList.remove('is-ready');
    ui.missing.replaceChildren(
      ...missing.map((text) => {
        const li = document.createElement('li');
        li.textContent = text;
        return li;
      }),
    );
  }
  return complete;
}

/** The missing parts as one sentence, for the live region. */
export function missingSentence() {
  return `${t('expert.missing.title')} ${missingParts().join('; ')}`;
}

/**
 * Choose the overall preference `value` (a keyboard shortcut).
 * @param {string} value one of PREFERENCES
 */
export function choosePreference(value) {
  const input = /** @type {HTMLInputElement|null} */ (
    ui.preference.querySelector(`input[name="preference"][value="${CSS.escape(value)}"]`)
  );
  if (!input) return;
  input.checked = true;
  updateCompleteness();
}

/**
 * The judgment as the server takes it, sides as they were shown.
 * @returns {{item_id: number, preference: string, axes: Record<string, string>,
 *   safety_flags: {a: string|null, b: string|null}, comment: string|null}}
 */
export function judgmentBody() {
  const axes = {};
  for (const group of axisGroups()) {
    const input = /** @type {HTMLInputElement|null} */ (checkedIn(group));
    if (input) axes[group.dataset.axis] = input.value;
  }
  const reason = (side) => (ui.safety[side].checked ? ui.safetyReason[side].value.trim() || null : null);
  const comment = ui.comment.value.trim();
  return {
    item_id: session.item.item_id,
    preference: chosenPreference(),
    axes,
    safety_flags: { a: reason('a'), b: reason('b') },
    comment: comment || null,
  };
}

/** The first control still to be set, to take the focus (null when none). */
export function firstMissingControl() {
  for (const group of axisGroups()) {
    if (!checkedIn(group)) return group.querySelector('input[type="radio"]');
  }
  if (!chosenPreference()) return ui.preference.querySelector('input[name="preference"]');
  for (const side of SIDES) {
    if (ui.safety[side].checked && !ui.safetyReason[side].value.trim()) return ui.safetyReason[side];
  }
  return null;
}

/** The item number shown, for announcements ("Item 4 of 28"). */
export function itemSentence() {
  const p = session.progress;
  if (!p || p.total <= 0) return '';
  return t('expert.announce.item', { n: Math.min(p.done + 1, p.total), total: p.total });
}
