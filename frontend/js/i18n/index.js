// The interface language of the voter pages: which one, its strings, and
// numbers and dates written the way it writes them.
//
// The catalogues (en.js, zh-CN.js, ar.js in this folder) are plain objects
// from a key to a string; en.js is the reference, and a node test
// (tests/e2e/i18n.test.mjs) fails when another catalogue lacks one of its
// keys, or when a key used by the pages is not in it. A string may hold
// `{name}` placeholders, filled from the `params` of t(). Plural strings are
// keys ending in ".one", ".two", ".few", ".many", ".zero" or ".other",
// picked with Intl.PluralRules by tn().
//
// The language is, in order: the page's own pin (<html data-locale="en">,
// on pages that are not translated, such as /operator), the voter's saved
// choice (the switcher in the header, kept in localStorage), the browser's
// languages (navigator.languages, which the Accept-Language header also
// follows), else English.
//
// Static text is translated from attributes: `data-i18n="key"` sets an
// element's text, `data-i18n-attr="placeholder:key; title:key"` sets
// attributes. Everything is inserted as text, never as HTML.

import en from './en.js';
import zhCN from './zh-CN.js';
import ar from './ar.js';

/** The interface languages, each named in itself. */
export const LOCALES = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'zh-CN', name: '中文（简体）', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
];

/** @type {Record<string, Record<string, string>>} */
const CATALOGUES = { en, 'zh-CN': zhCN, ar };

/** Where the voter's choice is kept. */
export const STORAGE_KEY = 'goldarena.locale';

/**
 * The interface language for a BCP 47 tag, or null when there is none:
 * any Chinese is zh-CN (the only Chinese catalogue), any Arabic is ar.
 * @param {unknown} tag e.g. "zh-TW", "ar-EG", "en-GB"
 * @returns {string|null}
 */
export function matchLocale(tag) {
  if (typeof tag !== 'string') return null;
  const t = tag.trim().toLowerCase();
  if (t === '') return null;
  const exact = LOCALES.find((l) => l.code.toLowerCase() === t);
  if (exact) return exact.code;
  const base = t.split(/[-_]/)[0];
  if (base === 'zh') return 'zh-CN';
  if (base === 'ar') return 'ar';
  if (base === 'en') return 'en';
  return null;
}

function savedLocale() {
  try {
    return matchLocale(window.localStorage.getItem(STORAGE_KEY));
  } catch {
    return null; // storage may be off
  }
}

/** The language of this page, by the order above. */
function detectLocale() {
  if (typeof document === 'undefined') return 'en';
  const pinned = matchLocale(document.documentElement.dataset.locale);
  if (pinned) return pinned;
  const saved = savedLocale();
  if (saved) return saved;
  const wanted = Array.isArray(navigator.languages) && navigator.languages.length > 0
    ? navigator.languages
    : [navigator.language];
  for (const tag of wanted) {
    const found = matchLocale(tag);
    if (found) return found;
  }
  return 'en';
}

let current = detectLocale();

/** The interface language, e.g. "zh-CN". */
export function locale() {
  return current;
}

/** "rtl" for Arabic, else "ltr". */
export function direction() {
  const l = LOCALES.find((x) => x.code === current);
  return l ? l.dir : 'ltr';
}

/** Whether `key` has a string (in this language or in English). */
export function has(key) {
  return key in CATALOGUES[current] || key in en;
}

function lookup(key) {
  const own = CATALOGUES[current][key];
  if (typeof own === 'string') return own;
  const fallback = en[key];
  return typeof fallback === 'string' ? fallback : key;
}

function fill(template, params) {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const v = params[name];
    return typeof v === 'number' ? formatNumber(v) : String(v);
  });
}

/**
 * The string of `key` in the interface language (English when it has
 * none), with its `{name}` placeholders filled; numbers are formatted for
 * the language.
 * @param {string} key
 * @param {Record<string, string|number>} [params]
 * @returns {string}
 */
export function t(key, params) {
  return fill(lookup(key), params);
}

/**
 * `text` between Unicode directional isolates (FSI … PDI), for a name put
 * into a sentence: a Latin model name inside an Arabic sentence (or the
 * reverse) then keeps its own direction and does not reorder the
 * punctuation around it.
 * @param {string} text
 */
export function isolate(text) {
  return `\u2068${text}\u2069`;
}

const pluralRules = new Map();

/**
 * The plural form of `key` for `count` ("key.one", "key.few", ...,
 * "key.other"), with `{count}` and the other placeholders filled.
 * @param {string} key
 * @param {number} count
 * @param {Record<string, string|number>} [params]
 */
export function tn(key, count, params = {}) {
  let rules = pluralRules.get(current);
  if (!rules) {
    rules = new Intl.PluralRules(current);
    pluralRules.set(current, rules);
  }
  const form = `${key}.${rules.select(count)}`;
  const chosen = form in CATALOGUES[current] || form in en ? form : `${key}.other`;
  return fill(lookup(chosen), { ...params, count });
}

const numberFormats = new Map();

/**
 * A number written for the interface language. Never "-0": a value that
 * rounds to zero is written as zero (signDisplay "negative").
 * @param {number} n
 * @param {Intl.NumberFormatOptions} [options]
 */
export function formatNumber(n, options = {}) {
  const all = { signDisplay: 'negative', ...options };
  const id = `${current}|${JSON.stringify(all)}`;
  let f = numberFormats.get(id);
  if (!f) {
    f = new Intl.NumberFormat(current, all);
    numberFormats.set(id, f);
  }
  return f.format(n);
}

/**
 * A date and time written for the interface language.
 * @param {Date|string|number} when
 * @param {Intl.DateTimeFormatOptions} [options]
 */
export function formatDate(when, options = { dateStyle: 'medium', timeStyle: 'short' }) {
  const d = when instanceof Date ? when : new Date(when);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(current, options).format(d);
}

let languageNames = null;

/**
 * The name of a language in the interface language, e.g. "Chinese" or
 * "中文"; the code itself when Intl does not know it.
 * @param {string} code a BCP 47 tag
 */
export function languageName(code) {
  if (!code) return '';
  try {
    languageNames ??= new Intl.DisplayNames([current], { type: 'language' });
    const name = languageNames.of(code);
    if (name && name.toLowerCase() !== String(code).toLowerCase()) return name;
  } catch {
    // unknown or malformed code: show it as is
  }
  return String(code);
}

/**
 * Translate the static text of `root` from its data-i18n and
 * data-i18n-attr attributes (see the top of this file).
 * @param {ParentNode} root
 */
export function translate(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
}

/**
 * The language switcher: a <select> of the interface languages. Choosing
 * one remembers it and reloads the page in it.
 * @param {HTMLSelectElement} select
 */
function setupSwitcher(select) {
  const options = LOCALES.map((l) => {
    const option = document.createElement('option');
    option.value = l.code;
    option.lang = l.code;
    option.dir = l.dir;
    option.textContent = l.name;
    option.selected = l.code === current;
    return option;
  });
  select.replaceChildren(...options);
  select.addEventListener('change', () => {
    const chosen = matchLocale(select.value);
    if (!chosen || chosen === current) return;
    try {
      window.localStorage.setItem(STORAGE_KEY, chosen);
    } catch {
      // storage is off: the choice holds for this page only
    }
    window.location.reload();
  });
}

/**
 * Put the page in its language: <html lang dir>, the static text, and the
 * switcher (#lang-select), when the page has one.
 */
export function startPage() {
  const html = document.documentElement;
  html.lang = current;
  html.dir = direction();
  translate(document);
  const select = document.getElementById('lang-select');
  if (select instanceof HTMLSelectElement) setupSwitcher(select);
}
