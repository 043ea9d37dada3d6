// Unit test of the interface catalogues (frontend/js/i18n/): no browser, no
// server. Run with `node --test i18n.test.mjs` from this directory.
//
// It fails when:
//   - a key of en.js (the reference) is missing from another catalogue, or
//     a catalogue has a key en.js does not know (a stale or mistyped one);
//   - a translation drops or invents a {placeholder};
//   - a data-i18n or data-i18n-attr key of the HTML pages, or a t('...') or
//     tn('...') key of the JavaScript, is missing from en.js;
//   - a data-i18n element has child elements (its text would replace them);
//   - a catalogue is not wired into i18n/index.js.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FRONTEND = path.resolve(HERE, '../../frontend');
const I18N = path.join(FRONTEND, 'js/i18n');
const LOCALES = ['en', 'zh-CN', 'ar'];
const PLURAL_FORMS = ['zero', 'one', 'two', 'few', 'many', 'other'];

/**
 * A catalogue's object. The frontend's .js files are ES modules outside any
 * package.json of "type": "module", so they are loaded from their source.
 */
async function loadCatalogue(locale) {
  const source = await readFile(path.join(I18N, `${locale}.js`), 'utf8');
  const url = `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`;
  const mod = await import(url);
  return mod.default;
}

/** Every file under `dir` whose name ends with `ext`. */
async function filesUnder(dir, ext) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full, ext)));
    else if (entry.name.endsWith(ext)) out.push(full);
  }
  return out;
}

const placeholders = (s) => new Set(Array.from(s.matchAll(/\{(\w+)\}/g), (m) => m[1]));

/** "composer.count" for "composer.count.other", or null for a key that is no plural form. */
function pluralBase(key) {
  const dot = key.lastIndexOf('.');
  return dot > 0 && PLURAL_FORMS.includes(key.slice(dot + 1)) ? key.slice(0, dot) : null;
}

const catalogues = {};
for (const locale of LOCALES) catalogues[locale] = await loadCatalogue(locale);
const en = catalogues.en;

test('every catalogue is a plain object of non-empty strings', () => {
  for (const locale of LOCALES) {
    const c = catalogues[locale];
    assert.equal(Object.getPrototypeOf(c), Object.prototype, `${locale}.js does not export a plain object`);
    for (const [key, value] of Object.entries(c)) {
      assert.equal(typeof value, 'string', `${locale}.js: ${key} is not a string`);
      assert.ok(value.trim() !== '', `${locale}.js: ${key} is empty`);
    }
  }
});

for (const locale of LOCALES.filter((l) => l !== 'en')) {
  test(`${locale}.js has every key of en.js`, () => {
    const missing = Object.keys(en).filter((key) => !(key in catalogues[locale]));
    assert.deepEqual(missing, [], `${locale}.js lacks ${missing.length} key(s) of en.js`);
  });

  test(`${locale}.js has no key that en.js does not know`, () => {
    const extra = Object.keys(catalogues[locale]).filter((key) => {
      if (key in en) return false;
      // More plural forms than English has (Arabic has six) are fine.
      const base = pluralBase(key);
      return !(base && `${base}.other` in en);
    });
    assert.deepEqual(extra, [], `${locale}.js has keys that en.js does not`);
  });

  test(`${locale}.js keeps the placeholders of en.js`, () => {
    const wrong = [];
    for (const [key, value] of Object.entries(catalogues[locale])) {
      const base = pluralBase(key);
      const reference = en[key] ?? (base ? en[`${base}.other`] : undefined);
      if (reference === undefined) continue;
      const want = placeholders(reference);
      const got = placeholders(value);
      // A translation may never invent a placeholder; only a plural form
      // may leave one out (Arabic writes "one"/"two" in words).
      const invented = [...got].filter((p) => !want.has(p));
      const dropped = base ? [] : [...want].filter((p) => !got.has(p));
      if (invented.length || dropped.length) wrong.push(`${key}: invented ${invented} dropped ${dropped}`);
    }
    assert.deepEqual(wrong, []);
  });
}

test('every plural string of en.js has an "other" form', () => {
  const bases = new Set(Object.keys(en).map(pluralBase).filter(Boolean));
  const missing = [...bases].filter((base) => !(`${base}.other` in en));
  assert.deepEqual(missing, []);
});

test('every data-i18n key of the HTML pages is in en.js', async () => {
  const missing = [];
  for (const file of await filesUnder(FRONTEND, '.html')) {
    const html = await readFile(file, 'utf8');
    const keys = Array.from(html.matchAll(/\sdata-i18n="([^"]+)"/g), (m) => m[1]);
    for (const m of html.matchAll(/\sdata-i18n-attr="([^"]+)"/g)) {
      for (const pair of m[1].split(';')) {
        const [attr, key] = pair.split(':').map((s) => s.trim());
        assert.ok(attr && key, `${path.basename(file)}: malformed data-i18n-attr "${m[1]}"`);
        keys.push(key);
      }
    }
    for (const key of keys) if (!(key in en)) missing.push(`${path.basename(file)}: ${key}`);
  }
  assert.deepEqual(missing, []);
});

test('no data-i18n element holds other elements', async () => {
  const wrong = [];
  for (const file of await filesUnder(FRONTEND, '.html')) {
    const html = await readFile(file, 'utf8');
    for (const m of html.matchAll(/<(\w+)\b[^>]*\sdata-i18n="([^"]+)"[^>]*>([\s\S]*?)<\/\1>/g)) {
      if (m[3].includes('<')) wrong.push(`${path.basename(file)}: <${m[1]} data-i18n="${m[2]}">`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the voter pages are translated, the operator page is pinned to English', async () => {
  for (const page of ['index.html', 'leaderboard.html']) {
    const html = await readFile(path.join(FRONTEND, page), 'utf8');
    assert.match(html, /<title data-i18n="/, `${page}: the title is not translated`);
    assert.match(html, /id="lang-select"/, `${page}: no language switcher`);
  }
  const operator = await readFile(path.join(FRONTEND, 'operator.html'), 'utf8');
  assert.match(operator, /<html[^>]*\sdata-locale="en"/, 'operator.html is not pinned to English');
});

test("every t('...') and tn('...') key of the JavaScript is in en.js", async () => {
  const missing = [];
  let seen = 0;
  for (const file of await filesUnder(path.join(FRONTEND, 'js'), '.js')) {
    const source = await readFile(file, 'utf8');
    for (const m of source.matchAll(/\b(tn?)\(\s*(['"`])([^'"`$]+)\2/g)) {
      seen += 1;
      const [, fn, , key] = m;
      const wanted = fn === 'tn' ? `${key}.other` : key;
      if (!(wanted in en)) missing.push(`${path.relative(FRONTEND, file)}: ${fn}('${key}')`);
    }
  }
  assert.ok(seen > 50, `only ${seen} t() calls were found: the scan is broken`);
  assert.deepEqual(missing, []);
});

test('i18n/index.js loads every catalogue', async () => {
  const source = await readFile(path.join(I18N, 'index.js'), 'utf8');
  for (const locale of LOCALES) {
    assert.match(source, new RegExp(`from '\\./${locale}\\.js'`), `index.js does not import ${locale}.js`);
    assert.match(source, new RegExp(`code: '${locale}'`), `index.js does not list ${locale} in LOCALES`);
  }
});
