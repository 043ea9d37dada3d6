// Leaderboard page: which board is shown. A category, a language (either,
// both or neither), style control and the deprecated models; kept in the
// page's address (?category=medical&language=eng&style=1&show_deprecated=true)
// so that a reload or a shared
// link shows the same board. The pickers are filled from
// GET /api/v1/leaderboard/scopes. Category names come from the server and
// are inserted as text only.

import { isolate, languageName, locale, t, tn } from '../i18n/index.js';
import { isNum } from './format.js';

/**
 * @typedef {{category: string, language: string, style: boolean, deprecated: boolean}} Choice
 */

const clean = (v) => (typeof v === 'string' ? v.trim() : '');

/** The board the page's address asks for. */
export function choiceFromUrl(href = window.location.href) {
  const params = new URL(href).searchParams;
  const style = params.get('style');
  const deprecated = params.get('show_deprecated');
  return {
    category: clean(params.get('category')),
    language: clean(params.get('language')),
    style: style === '1' || style === 'true',
    deprecated: deprecated === '1' || deprecated === 'true',
  };
}

/**
 * Put `choice` into the page's address (no new history entry), keeping any
 * other parameter and the fragment.
 * @param {Choice} choice
 */
export function keepInUrl(choice) {
  const url = new URL(window.location.href);
  const set = (name, value) => {
    if (value) url.searchParams.set(name, value);
    else url.searchParams.delete(name);
  };
  set('category', choice.category);
  set('language', choice.language);
  set('style', choice.style ? '1' : '');
  set('show_deprecated', choice.deprecated ? 'true' : '');
  if (url.href !== window.location.href) window.history.replaceState(window.history.state, '', url.href);
}

/**
 * The query of GET /api/v1/leaderboard for `choice`: "" or "?category=...".
 * @param {Choice} choice
 */
export function boardQuery(choice) {
  const params = new URLSearchParams();
  if (choice.category) params.set('category', choice.category);
  if (choice.language) params.set('language', choice.language);
  if (choice.style) params.set('style_control', 'true');
  if (choice.deprecated) params.set('show_deprecated', 'true');
  const q = params.toString();
  return q ? `?${q}` : '';
}

/**
 * The scopes of a board key: "category:medical,language:eng" gives
 * {category: "medical", language: "eng"}; "overall" gives neither.
 * @param {unknown} key
 */
export function parseScope(key) {
  const out = { category: '', language: '' };
  if (typeof key !== 'string') return out;
  for (const part of key.split(',')) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const kind = part.slice(0, colon).trim();
    const name = part.slice(colon + 1).trim();
    if (kind === 'category' || kind === 'language') out[kind] = name;
  }
  return out;
}

/** "Board: medical · English" for what is shown. */
export function scopeText(scope) {
  return t('lb.scope.now', {
    category: scope.category ? isolate(scope.category) : t('lb.scope.allCategories'),
    language: scope.language ? isolate(languageName(scope.language)) : t('lb.scope.allLanguages'),
  });
}

/**
 * The scopes of one kind from GET /leaderboard/scopes: [{name, votes}],
 * well-formed entries only.
 * @param {unknown} list
 */
function entries(list) {
  if (!Array.isArray(list)) return [];
  return list
    .filter((e) => e && typeof e === 'object' && clean(e.name))
    .map((e) => ({ name: clean(e.name), votes: isNum(e.votes) ? e.votes : null }));
}

/**
 * Fill `select` with "All" and one option per scope, in the order of
 * their names as shown; `chosen` stays selected, as an option of its own
 * when the server does not list it (a shared link to a board with no
 * votes yet).
 * @param {HTMLSelectElement} select
 * @param {unknown} list the scopes' [{name, votes}]
 * @param {(name: string) => string} nameOf how a scope is named
 * @param {string} chosen
 */
function fill(select, list, nameOf, chosen) {
  const collator = new Intl.Collator(locale(), { sensitivity: 'base', numeric: true });
  const scopes = entries(list);
  if (chosen && !scopes.some((s) => s.name === chosen)) scopes.push({ name: chosen, votes: null });
  const shown = scopes
    .map((s) => ({ ...s, label: nameOf(s.name) }))
    .sort((a, b) => collator.compare(a.label, b.label));
  const all = document.createElement('option');
  all.value = '';
  all.textContent = t('lb.scope.all');
  const options = shown.map((s) => {
    const option = document.createElement('option');
    option.value = s.name;
    option.textContent = s.votes === null ? s.label : tn('lb.scope.option', s.votes, { name: s.label });
    return option;
  });
  select.replaceChildren(all, ...options);
  select.value = chosen;
}

/**
 * Fill the two pickers from GET /leaderboard/scopes (or with "All" and the
 * current choice only, when `scopes` is null).
 * @param {{category: HTMLSelectElement, language: HTMLSelectElement}} pickers
 * @param {any} scopes
 * @param {Choice} choice
 */
export function fillPickers(pickers, scopes, choice) {
  const s = scopes && typeof scopes === 'object' ? scopes : {};
  fill(pickers.category, s.categories, (name) => name, choice.category);
  fill(pickers.language, s.languages, (code) => languageName(code), choice.language);
}
