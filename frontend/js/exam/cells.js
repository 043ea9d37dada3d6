// Exam page: the cells its tables share. Model names and all other server
// text are inserted as text only.

import { formatNumber } from '../i18n/index.js';
import { textOf } from '../leaderboard/format.js';

/** A <span class=cls> of `text`. */
export function span(cls, text) {
  const el = document.createElement('span');
  if (cls) el.className = cls;
  el.textContent = text;
  return el;
}

/**
 * A table cell of class `cls` holding `content` (text or nodes); numbers
 * read left to right (`dir`), whatever the interface direction.
 * @param {string} cls
 * @param {string|Node|Array<string|Node>} content
 * @param {string} [dir]
 */
export function cell(cls, content, dir) {
  const td = document.createElement('td');
  td.className = cls;
  if (typeof content === 'string') {
    if (dir) td.append(numberSpan(content, dir));
    else td.textContent = content;
  } else {
    td.append(...(Array.isArray(content) ? content : [content]));
  }
  return td;
}

/** A span whose text keeps its own direction (a number, an interval). */
export function numberSpan(text, dir = 'ltr', cls = 'lb-number') {
  const el = span(cls, text);
  el.dir = dir;
  return el;
}

/**
 * The row header of a model: its display name (its own direction), a link
 * to its page, and its slug when the name differs.
 * @param {string} model
 * @param {string} [displayName]
 */
export function modelHeader(model, displayName) {
  const th = document.createElement('th');
  th.scope = 'row';
  th.className = 'model';
  const shown = textOf(displayName) || model;
  const link = document.createElement('a');
  link.className = 'lb-model-link';
  link.href = `/model?name=${encodeURIComponent(model)}`;
  const name = span('model-name', shown);
  name.dir = 'auto';
  link.append(name);
  th.append(link);
  if (shown !== model) {
    const small = document.createElement('small');
    small.className = 'model-slug';
    small.dir = 'ltr';
    small.textContent = model;
    th.append(small);
  }
  return th;
}

/** A whole count, e.g. 30; "—" when unknown. */
export function count(v) {
  return typeof v === 'number' && Number.isFinite(v) ? formatNumber(v, { maximumFractionDigits: 0 }) : '—';
}

/**
 * A row of one message across `columns` (nothing yet, no fresh model...).
 * @param {string} text
 * @param {number} columns
 */
export function messageRow(text, columns) {
  const tr = document.createElement('tr');
  tr.className = 'lb-placeholder';
  const td = document.createElement('td');
  td.colSpan = columns;
  td.textContent = text;
  tr.append(td);
  return tr;
}
