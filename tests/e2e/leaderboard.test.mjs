// Browser end-to-end test of the leaderboard page: the ranked table, the
// preliminary models and the models not comparable yet, each apart; the
// rules the board follows; sortable columns; a phone layout at 360 px that
// shows the interval without sideways scrolling; the scope pickers (a
// category's board, kept in the page's address across a reload); style
// control (Rank (StyleCtrl), its change and the style coefficients, as the
// API gives them); and axe-core on the page in English, Chinese and Arabic,
// on a desktop, on a phone and in the dark, plain and with style control.
//
// Runs against a server that is already running (started by the Rust test
// harness) at GOLDARENA_E2E_URL, whose votes form two groups of models that
// never met, and a model with too few battles. Besides, it needs:
//   GOLDARENA_E2E_MIN_VOTES  the board's `min_votes` setting
//   GOLDARENA_E2E_GROUPS     JSON {"ranked": [...], "preliminary": [...],
//                            "not_comparable": [...]}: the models expected
//                            in each table
// Uses a system Chromium driven by playwright-core; see harness.mjs.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  PHONE_360,
  TEST_TIMEOUT_MS,
  UI_LOCALES,
  assertBaseUrl,
  assertEnvironment,
  assertNoSidewaysScroll,
  axeFindings,
  htmlLangDir,
  launchBrowser,
  localeContext,
  screenshot,
  text,
  waitForState,
  watch,
} from './harness.mjs';

const MIN_VOTES = Number(process.env.GOLDARENA_E2E_MIN_VOTES || '');
let GROUPS = null;
try {
  GROUPS = JSON.parse(process.env.GOLDARENA_E2E_GROUPS || 'null');
} catch {
  GROUPS = null;
}

const TABLES = { ranked: '#leaderboard', preliminary: '#preliminary', not_comparable: '#not-comparable' };

/** Problems seen on any page: each one fails the last test. */
const problems = [];

/** The rows of one table as shown: model, status and each cell's text by class. */
function shownRows(page, table) {
  return page.locator(`${table} tbody tr[data-model]`).evaluateAll((trs) =>
    trs.map((tr) => {
      const cells = {};
      for (const td of tr.querySelectorAll('td')) cells[td.className] = td.textContent.trim();
      return { model: tr.dataset.model, status: tr.dataset.status, cells };
    }),
  );
}

/** The header texts of a table, and which one has aria-sort. */
function headers(page, table) {
  return page.locator(`${table} thead th`).evaluateAll((ths) =>
    ths.map((th) => ({ key: th.className, text: th.textContent.trim(), sort: th.getAttribute('aria-sort') })),
  );
}

async function openBoard(context, label, path = '/leaderboard') {
  const page = await context.newPage();
  watch(problems, page, label);
  const nav = await page.goto(`${BASE_URL}${path}`);
  assert.equal(nav && nav.status(), 200, `GET ${path} failed`);
  await waitForState(page, 'ready');
  return page;
}

/** GET `path` of the API, as JSON. */
async function api(context, path) {
  const res = await context.request.get(`${BASE_URL}/api/v1${path}`);
  assert.equal(res.status(), 200, `GET /api/v1${path} answered ${res.status()}: ${await res.text()}`);
  return res.json();
}

/** Matches the page's own GET /api/v1/leaderboard (any query). */
const isBoardRequest = (r) => new URL(r.url()).pathname === '/api/v1/leaderboard';

/**
 * Do `action` (which makes the page load a board) and wait until that board
 * is shown; returns the query of the request it sent.
 */
async function reloadsBoard(page, action) {
  const [res] = await Promise.all([page.waitForResponse(isBoardRequest), action()]);
  assert.equal(res.status(), 200, `the board request ${res.url()} answered ${res.status()}`);
  await waitForState(page, 'ready');
  return new URL(res.url()).searchParams;
}

/** The page shows `board` (an API answer): each model in its table, ranks as the server's. */
async function assertShowsBoard(page, board, what) {
  for (const [status, table] of Object.entries(TABLES)) {
    const want = board.rows.filter((r) => (r.status || 'ranked') === status).map((r) => r.model).sort();
    const shown = (await shownRows(page, table)).map((r) => r.model).sort();
    assert.deepEqual(shown, want, `${what}: ${table} does not hold the ${status} models of the API's board`);
  }
  for (const r of await shownRows(page, TABLES.ranked)) {
    const row = board.rows.find((x) => x.model === r.model);
    assert.equal(Number(r.cells.rank), row.rank, `${what}: ${r.model}'s rank is not the API's`);
    assert.equal(Number(r.cells.battles), row.battles, `${what}: ${r.model}'s battles are not the API's`);
  }
}

/**
 * The ranked table shows Rank (StyleCtrl) and Δ of `styled` (an API answer
 * with style_control): "↑2" said as "up 2 places", "↓1", "=", or "—".
 */
async function assertStyleColumns(page, styled, what) {
  const cells = await page.locator(`${TABLES.ranked} tbody tr[data-model]`).evaluateAll((trs) =>
    trs.map((tr) => {
      const delta = tr.querySelector('td.rank-delta');
      const mark = delta.querySelector('.lb-delta-mark');
      const words = delta.querySelector('.visually-hidden');
      return {
        model: tr.dataset.model,
        styleRank: tr.querySelector('td.style-rank').textContent.trim(),
        mark: mark ? mark.textContent : delta.textContent.trim(),
        hidden: mark ? mark.getAttribute('aria-hidden') : null,
        words: words ? words.textContent : null,
      };
    }),
  );
  assert.ok(cells.length > 0, `${what}: no ranked row`);
  for (const c of cells) {
    const want = styled.rows.find((r) => r.model === c.model).style_control;
    assert.ok(want, `${what}: ${c.model}: the API gives no style_control`);
    assert.equal(c.styleRank, want.rank === null ? '—' : String(want.rank), `${what}: ${c.model}: Rank (StyleCtrl)`);
    const d = want.rank_delta;
    if (d === null) {
      assert.equal(c.mark, '—', `${what}: ${c.model}: Δ without a rank_delta`);
      continue;
    }
    const n = Math.abs(d);
    const places = `${n} place${n === 1 ? '' : 's'}`;
    const [mark, words] = d > 0 ? [`↑${n}`, `up ${places}`] : d < 0 ? [`↓${n}`, `down ${places}`] : ['=', 'same place'];
    assert.equal(c.mark, mark, `${what}: ${c.model}: Δ for rank_delta ${d}`);
    assert.equal(c.hidden, 'true', `${what}: ${c.model}: the arrow is read out`);
    assert.equal(c.words, words, `${what}: ${c.model}: what Δ says to a screen reader`);
  }
  return cells;
}

/** "+0.42", "-0.10", "0.00": a coefficient as the page writes it in English. */
function signed2(v) {
  const s = v.toFixed(2);
  if (Number(s) === 0) return '0.00';
  return v > 0 ? `+${s}` : s;
}
const plain2 = (v) => (Number(v.toFixed(2)) === 0 ? '0.00' : v.toFixed(2));

// Outside the suite so that a missing setup is counted as a failure, not only
// as cancelled steps.
test('the e2e environment is set up', async () => {
  await assertEnvironment();
  assert.ok(Number.isInteger(MIN_VOTES) && MIN_VOTES > 0, 'GOLDARENA_E2E_MIN_VOTES is not set');
  assert.ok(GROUPS && Array.isArray(GROUPS.ranked), 'GOLDARENA_E2E_GROUPS is not set');
});

describe('GoldArena leaderboard', { timeout: 12 * TEST_TIMEOUT_MS }, () => {
  let browser;
  let board; // GET /api/v1/leaderboard

  before(async () => {
    assertBaseUrl();
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('the API arranges the board as the page expects', { timeout: TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en');
    try {
      const res = await context.request.get(`${BASE_URL}/api/v1/leaderboard`);
      assert.equal(res.status(), 200);
      board = await res.json();
      assert.equal(board.min_votes, MIN_VOTES, 'min_votes is not the configured one');
      for (const [status, models] of Object.entries(GROUPS)) {
        for (const model of models) {
          const row = board.rows.find((r) => r.model === model);
          assert.ok(row, `no row for ${model}`);
          assert.equal(row.status, status, `${model} is ${row.status}, expected ${status}: ${JSON.stringify(row)}`);
        }
      }
    } finally {
      await context.close();
    }
  });

  test('ranked, preliminary and not comparable models are shown apart', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(board, 'the board was not read (an earlier step failed)');
    const context = await localeContext(browser, 'en');
    try {
      const page = await openBoard(context, 'leaderboard');
      for (const [status, table] of Object.entries(TABLES)) {
        const rows = await shownRows(page, table);
        assert.deepEqual(
          rows.map((r) => r.model).sort(),
          [...GROUPS[status]].sort(),
          `${table} does not hold exactly the ${status} models`,
        );
        for (const r of rows) assert.equal(r.status, status, `${r.model} in ${table} is marked ${r.status}`);
      }
      assert.match(await text(page, '#lb-preliminary-title'), /^Preliminary$/);
      assert.match(await text(page, '#lb-not-comparable-title'), /^Not comparable yet$/);

      // Ranked rows: rank, rating, an interval as [lower, upper] (never "-0"), win rate, battles.
      for (const r of await shownRows(page, TABLES.ranked)) {
        const api = board.rows.find((x) => x.model === r.model);
        assert.match(r.cells.rank, /^\d+$/, `${r.model}: rank ${r.cells.rank}`);
        assert.equal(Number(r.cells.rank), api.rank, `${r.model}: the rank is not the server's`);
        assert.match(r.cells.rating, /^-?[\d,]+$/, `${r.model}: rating ${r.cells.rating}`);
        assert.match(r.cells.ci, /^\[-?[\d,]+, -?[\d,]+\]$/, `${r.model}: interval ${r.cells.ci} is not [lower, upper]`);
        assert.doesNotMatch(r.cells.ci, /[-−]0(?!\d)/, `${r.model}: the interval shows "-0": ${r.cells.ci}`);
        assert.match(r.cells['win-rate'], /^\d+%$/, `${r.model}: win rate ${r.cells['win-rate']}`);
        assert.equal(Number(r.cells.battles), api.battles, `${r.model}: battles ${r.cells.battles}`);
        assert.equal(r.cells.organization, api.organization || '—');
        assert.equal(r.cells.license, api.license || '—');
      }
      // The others: no rank column, no interval, and "—" with the reason instead of a rating.
      for (const status of ['preliminary', 'not_comparable']) {
        const heads = await headers(page, TABLES[status]);
        assert.ok(!heads.some((h) => h.key === 'rank' || h.key === 'ci'), `${TABLES[status]} has a rank or interval column`);
        for (const r of await shownRows(page, TABLES[status])) {
          const api = board.rows.find((x) => x.model === r.model);
          assert.ok(r.cells.rating.startsWith('—'), `${r.model}: the rating is not "—": ${r.cells.rating}`);
          assert.ok(
            !r.cells.rating.includes(String(Math.round(api.rating))),
            `${r.model}: the rating cell shows the rating ${Math.round(api.rating)}: ${r.cells.rating}`,
          );
          const reason = r.cells.rating.replace(/^—\s*(No rating yet:)?\s*/, '');
          assert.ok(reason.length > 5, `${r.model}: no reason is given: ${r.cells.rating}`);
          if (status === 'preliminary' && api.battles < MIN_VOTES) {
            assert.match(reason, new RegExp(`\\b${MIN_VOTES}\\b`), `${r.model}: the reason does not name the ${MIN_VOTES} battles needed`);
          }
          assert.equal(Number(r.cells.battles), api.battles, `${r.model}: battles ${r.cells.battles}`);
          assert.match(r.cells['win-rate'], /^\d+%$/, `${r.model}: win rate ${r.cells['win-rate']}`);
        }
      }

      // The columns and the rules are named.
      const heads = (await headers(page, TABLES.ranked)).map((h) => h.text);
      for (const wanted of ['Battles', 'Win rate', 'Organisation', 'Licence', '95% CI']) {
        assert.ok(heads.some((h) => h.startsWith(wanted)), `no "${wanted}" column: ${JSON.stringify(heads)}`);
      }
      assert.match(await text(page, '#lb-battles-note'), /counts for both/i, 'no note that a battle counts for both its models');
      assert.match(await text(page, '#lb-min-votes'), new RegExp(`\\b${MIN_VOTES} battles\\b`), '#lb-min-votes does not give the rule');
      await screenshot(page, 'leaderboard-groups.png');
    } finally {
      await context.close();
    }
  });

  test('columns sort with the buttons in their headers', { timeout: TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en');
    try {
      const page = await openBoard(context, 'leaderboard-sort');
      const sortedBy = async () => (await headers(page, TABLES.ranked)).filter((h) => h.sort).map((h) => [h.key, h.sort]);
      assert.deepEqual(await sortedBy(), [['rank', 'ascending']], 'the ranked table is not sorted by rank at first');

      const button = page.locator(`${TABLES.ranked} thead th.battles button`);
      assert.equal(await button.getAttribute('type'), 'button');
      await button.click();
      assert.deepEqual(await sortedBy(), [['battles', 'descending']], 'aria-sort does not follow the Battles button');
      let battles = (await shownRows(page, TABLES.ranked)).map((r) => Number(r.cells.battles));
      assert.deepEqual(battles, [...battles].sort((a, b) => b - a), 'the rows are not by battles, most first');

      // Keyboard: the same button again reverses the order.
      await button.focus();
      await page.keyboard.press('Enter');
      assert.deepEqual(await sortedBy(), [['battles', 'ascending']]);
      battles = (await shownRows(page, TABLES.ranked)).map((r) => Number(r.cells.battles));
      assert.deepEqual(battles, [...battles].sort((a, b) => a - b), 'the rows are not by battles, fewest first');

      await page.locator(`${TABLES.preliminary} thead th.model button`).click();
      const prelimSort = (await headers(page, TABLES.preliminary)).filter((h) => h.sort);
      assert.deepEqual(prelimSort.map((h) => [h.key, h.sort]), [['model', 'ascending']]);
      // Sorting one table leaves the other as it was.
      assert.deepEqual(await sortedBy(), [['battles', 'ascending']]);
    } finally {
      await context.close();
    }
  });

  test('on a 360 px phone the rows are cards and the interval shows without sideways scrolling', { timeout: TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en', PHONE_360);
    try {
      const page = await openBoard(context, 'leaderboard-phone');
      await assertNoSidewaysScroll(page, 'on a 360 px phone');
      const width = await page.evaluate(() => document.documentElement.clientWidth);
      const cis = page.locator(`${TABLES.ranked} tbody tr[data-model] td.ci`);
      assert.ok((await cis.count()) > 0, 'no interval cell on the phone');
      for (let i = 0; i < (await cis.count()); i += 1) {
        const ci = cis.nth(i);
        await ci.scrollIntoViewIfNeeded();
        assert.ok(await ci.isVisible(), 'an interval is hidden on the phone');
        const box = await ci.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= width + 0.5, `an interval sticks out of the screen: ${JSON.stringify(box)}`);
        assert.match(await ci.innerText(), /\[-?[\d,]+, -?[\d,]+\]/, 'the phone card does not show the interval');
        // The card labels each value with its column's name (CSS generated content).
        const label = await ci.evaluate((el) => getComputedStyle(el, '::before').content);
        assert.match(label, /95% CI/, `the phone card does not label the interval: ${label}`);
      }
      // No cell of any card is cut off or scrolls.
      const wrapsScroll = await page.locator('.lb-board').evaluateAll((els) =>
        els.filter((el) => el.scrollWidth > el.clientWidth + 1).length,
      );
      assert.equal(wrapsScroll, 0, 'a table still scrolls sideways on the phone');
      await screenshot(page, 'leaderboard-phone.png');
    } finally {
      await context.close();
    }
  });

  test('axe-core finds nothing serious, in every language, on a desktop, a 360 px phone and in the dark', { timeout: 4 * TEST_TIMEOUT_MS }, async () => {
    const found = [];
    const cases = [];
    for (const locale of UI_LOCALES) {
      cases.push([locale, {}, 'desktop'], [locale, PHONE_360, '360px']);
    }
    cases.push(['en', { colorScheme: 'dark' }, 'dark'], ['ar', { ...PHONE_360, colorScheme: 'dark' }, 'dark 360px']);
    for (const [locale, options, what] of cases) {
      const context = await localeContext(browser, locale, options);
      try {
        const page = await openBoard(context, `leaderboard ${locale} ${what}`);
        const { lang, dir } = await htmlLangDir(page);
        assert.equal(lang, locale, `the leaderboard is not in ${locale}`);
        assert.equal(dir, locale === 'ar' ? 'rtl' : 'ltr');
        if (what.includes('360')) await assertNoSidewaysScroll(page, `in ${locale} at 360 px`);
        found.push(...(await axeFindings(page, `leaderboard ${locale} ${what}`)));
        if (locale !== 'en' && what === 'desktop') await screenshot(page, `leaderboard-${locale}.png`);
      } finally {
        await context.close();
      }
    }
    assert.deepEqual(found, []);
  });

  test('a category picked in the scope picker shows its own board, and the address keeps it', { timeout: TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en');
    try {
      const scopes = await api(context, '/leaderboard/scopes');
      assert.ok(Array.isArray(scopes.categories) && scopes.categories.length > 0, `no categories: ${JSON.stringify(scopes)}`);
      assert.equal(scopes.min_votes, MIN_VOTES);
      // The category with the most votes (then by name): the one to pick.
      const [pick] = [...scopes.categories].sort((a, b) => b.votes - a.votes || a.name.localeCompare(b.name));
      const scoped = await api(context, `/leaderboard?category=${encodeURIComponent(pick.name)}`);
      assert.equal(scoped.scope, `category:${pick.name}`);

      const page = await openBoard(context, 'leaderboard-scope');
      assert.match(await text(page, '#lb-scope-now'), /all categories · all languages/);
      // The pickers are labelled, and offer All and each scope with its votes.
      assert.equal(await text(page, 'label[for="lb-category"]'), 'Category');
      assert.equal(await text(page, 'label[for="lb-language"]'), 'Question language');
      await page.waitForFunction((n) => document.querySelectorAll('#lb-category option').length === n, scopes.categories.length + 1);
      const options = await page.locator('#lb-category option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
      assert.deepEqual(options[0], ['', 'All']);
      for (const c of scopes.categories) {
        const o = options.find(([value]) => value === c.name);
        assert.ok(o, `no option for the category ${c.name}`);
        assert.equal(o[1], `${c.name} (${c.votes} vote${c.votes === 1 ? '' : 's'})`);
      }
      const languages = await page.locator('#lb-language option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
      assert.deepEqual(languages.map(([v]) => v).sort(), ['', ...scopes.languages.map((l) => l.name)].sort());
      const named = { eng: 'English', cmn: 'Chinese', ara: 'Arabic' };
      for (const [value, label] of languages) {
        if (named[value]) assert.ok(label.startsWith(named[value]), `the language ${value} is shown as ${label}`);
      }

      // Picking the category asks for its board and shows it.
      const query = await reloadsBoard(page, () => page.selectOption('#lb-category', pick.name));
      assert.equal(query.get('category'), pick.name, 'the request does not carry ?category=');
      assert.equal(query.get('language'), null);
      assert.match(await text(page, '#lb-scope-now'), new RegExp(`${pick.name}.* · all languages`));
      await assertShowsBoard(page, scoped, `the ${pick.name} board`);
      assert.equal(await text(page, '#total-votes'), String(scoped.total_votes));
      assert.match(
        await text(page, '#lb-min-votes'),
        new RegExp(`need ${MIN_VOTES} battles in this board`),
        'the scoped board does not give its minimum-votes rule',
      );
      assert.equal(new URL(page.url()).searchParams.get('category'), pick.name, 'the address does not keep the category');

      // A reload (or a shared link) shows the same board.
      const again = await reloadsBoard(page, () => page.reload());
      assert.equal(again.get('category'), pick.name, 'after a reload the page does not ask for the category');
      assert.equal(await page.locator('#lb-category').inputValue(), pick.name);
      assert.match(await text(page, '#lb-scope-now'), new RegExp(pick.name));
      await assertShowsBoard(page, scoped, `the ${pick.name} board after a reload`);

      // Back to All: the overall board, and a plain address.
      const all = await reloadsBoard(page, () => page.selectOption('#lb-category', ''));
      assert.equal(all.get('category'), null);
      assert.equal(new URL(page.url()).search, '');
      await assertShowsBoard(page, board, 'the overall board');
    } finally {
      await context.close();
    }
  });

  test('style control adds Rank (StyleCtrl) and Δ as the API gives them, and the coefficients', { timeout: TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en');
    try {
      const styled = await api(context, '/leaderboard?style_control=true');
      assert.ok(styled.style_control && Array.isArray(styled.style_control.coefficients), 'the API has no style_control');
      const page = await openBoard(context, 'leaderboard-style');
      const styleHeads = async () =>
        (await headers(page, TABLES.ranked)).filter((h) => h.key === 'style-rank' || h.key === 'rank-delta');
      assert.deepEqual(await styleHeads(), [], 'style columns without style control');
      assert.ok(await page.locator('#lb-style').isHidden());
      assert.ok(await page.locator('#lb-style-note').isHidden());

      const toggle = page.getByLabel('Style control');
      assert.equal(await toggle.getAttribute('type'), 'checkbox');
      const query = await reloadsBoard(page, () => toggle.check());
      assert.equal(query.get('style_control'), 'true', 'the request does not ask for style control');
      assert.equal(new URL(page.url()).searchParams.get('style'), '1', 'the address does not keep style control');

      // The two columns, right after Rank (UB).
      const heads = await headers(page, TABLES.ranked);
      assert.deepEqual(heads.slice(0, 3).map((h) => h.key), ['rank', 'style-rank', 'rank-delta']);
      assert.ok(heads[1].text.startsWith('Rank (StyleCtrl)'), `header ${heads[1].text}`);
      assert.ok(heads[2].text.startsWith('Δ'), `header ${heads[2].text}`);
      const deltaName = await page.locator(`${TABLES.ranked} thead th.rank-delta button`).evaluate((b) => b.innerText + '|' + b.textContent);
      assert.match(deltaName, /Change in rank with style control/, 'the Δ header says nothing to a screen reader');

      await assertStyleColumns(page, styled, 'the style view');
      // The other tables stay as they were.
      for (const status of ['preliminary', 'not_comparable']) {
        const keys = (await headers(page, TABLES[status])).map((h) => h.key);
        assert.ok(!keys.includes('style-rank') && !keys.includes('rank-delta'), `${TABLES[status]} has style columns`);
      }

      // The explanation and the coefficients with their intervals.
      assert.ok(await page.locator('#lb-style-note').isVisible(), 'no note on what the new columns mean');
      assert.match(await text(page, '#lb-style-note'), /style held equal/);
      assert.ok(await page.locator('#lb-style').isVisible());
      assert.match(await text(page, '#lb-style'), /log-odds per standard deviation/);
      assert.equal(await text(page, '#lb-coefficients caption'), 'Style coefficients');
      const n = styled.style_control.battles;
      assert.equal(await text(page, '#lb-style-battles'), `Fitted on ${n} battle${n === 1 ? '' : 's'}.`);
      const coefs = await page.locator('#lb-coefficients tbody tr[data-feature]').evaluateAll((trs) =>
        trs.map((tr) => ({
          feature: tr.dataset.feature,
          name: tr.querySelector('th').textContent.trim(),
          value: tr.querySelector('td.value').textContent.trim(),
          ci: tr.querySelector('td.ci').textContent.trim(),
        })),
      );
      const names = { length: 'Length', headers: 'Headers', lists: 'Lists', bold: 'Bold text' };
      assert.deepEqual(coefs.map((c) => c.feature), styled.style_control.coefficients.map((c) => c.feature));
      for (const [i, c] of styled.style_control.coefficients.entries()) {
        assert.equal(coefs[i].name, names[c.feature] || c.feature);
        assert.equal(coefs[i].value, signed2(c.value), `${c.feature}: coefficient`);
        assert.equal(coefs[i].ci, `[${plain2(c.ci_lower)}, ${plain2(c.ci_upper)}]`, `${c.feature}: interval`);
      }
      await screenshot(page, 'leaderboard-style.png');

      // Every kind of change, on a board the test writes itself: the real
      // one, with ranks and rank_delta set to ↑2, ↓1, =, none and ↑1.
      assert.ok(styled.rows.length >= 4, 'too few models for every kind of change');
      const deltas = [2, -1, 0, null, 1];
      const crafted = {
        ...styled,
        rows: styled.rows.map((r, i) => ({
          ...r,
          status: 'ranked',
          rank: i + 1,
          style_control: { ...(r.style_control || { rating: r.rating, ci_lower: r.ci_lower, ci_upper: r.ci_upper }), rank: deltas[i % 5] === null ? null : i + 1 - deltas[i % 5], rank_delta: deltas[i % 5] },
        })),
      };
      await page.route((url) => url.pathname === '/api/v1/leaderboard' && url.searchParams.get('style_control') === 'true', (route) =>
        route.fulfill({ json: crafted }),
      );
      await reloadsBoard(page, () => page.reload());
      const shown = await assertStyleColumns(page, crafted, 'a board of every kind of change');
      assert.deepEqual(
        [...new Set(shown.map((c) => c.mark.replace(/\d+/, 'N')))].sort(),
        ['=', '↑N', '↓N', '—'].sort(),
        'not every kind of change was shown',
      );
      await page.unrouteAll();

      // Kept across a reload; off again, the columns and the coefficients go.
      await reloadsBoard(page, () => page.reload());
      assert.ok(await toggle.isChecked(), 'style control is off after a reload');
      assert.equal((await styleHeads()).length, 2);
      await reloadsBoard(page, () => toggle.uncheck());
      assert.deepEqual(await styleHeads(), [], 'the style columns stay after style control is turned off');
      assert.ok(await page.locator('#lb-style').isHidden());
      assert.equal(new URL(page.url()).searchParams.get('style'), null);
    } finally {
      await context.close();
    }
  });

  test('axe-core finds nothing serious in the style view of a category, on a desktop, a phone, in Arabic and in the dark', { timeout: 3 * TEST_TIMEOUT_MS }, async () => {
    let category = '';
    {
      const context = await localeContext(browser, 'en');
      try {
        const scopes = await api(context, '/leaderboard/scopes');
        category = [...scopes.categories].sort((a, b) => b.votes - a.votes || a.name.localeCompare(b.name))[0].name;
      } finally {
        await context.close();
      }
    }
    const found = [];
    const cases = [
      ['en', {}, 'desktop', '/leaderboard?style=1'],
      ['en', PHONE_360, '360px', '/leaderboard?style=1'],
      ['en', { viewport: { width: 700, height: 900 } }, '700px', '/leaderboard?style=1'],
      ['en', {}, 'desktop', `/leaderboard?category=${encodeURIComponent(category)}&style=1`],
      ['ar', PHONE_360, '360px', `/leaderboard?category=${encodeURIComponent(category)}&style=1`],
      ['zh-CN', { colorScheme: 'dark' }, 'dark', '/leaderboard?style=1'],
    ];
    for (const [locale, options, what, path] of cases) {
      const context = await localeContext(browser, locale, options);
      try {
        const page = await openBoard(context, `leaderboard style ${locale} ${what} ${path}`, path);
        assert.ok(await page.locator('#lb-style-toggle').isChecked(), `${path}: style control is not on`);
        assert.ok(await page.locator('#lb-style').isVisible(), `${path}: no coefficients`);
        assert.equal(await page.locator(`${TABLES.ranked} thead th.style-rank`).count(), 1, `${path}: no Rank (StyleCtrl)`);
        if (what.includes('360')) {
          await assertNoSidewaysScroll(page, `with style control in ${locale} at 360 px`);
          const width = await page.evaluate(() => document.documentElement.clientWidth);
          for (const sel of [`${TABLES.ranked} tbody td.rank-delta`, '#lb-coefficients', '#lb-category', '#lb-style-toggle']) {
            const els = page.locator(sel);
            for (let i = 0; i < (await els.count()); i += 1) {
              await els.nth(i).scrollIntoViewIfNeeded();
              const box = await els.nth(i).boundingBox();
              assert.ok(box && box.x >= -0.5 && box.x + box.width <= width + 0.5, `${sel} sticks out of a 360 px screen: ${JSON.stringify(box)}`);
            }
          }
        }
        // A table wider than its box scrolls inside it, and the box takes
        // the keyboard focus so that it scrolls with the arrow keys too.
        await page.waitForTimeout(100); // the box is marked after a resize
        await assertNoSidewaysScroll(page, `with style control in ${locale} (${what})`);
        const boxes = await page.locator('.lb-board').evaluateAll((els) =>
          els.filter((el) => el.offsetParent !== null).map((el) => ({
            id: el.querySelector('table').id,
            scrolls: el.scrollWidth > el.clientWidth + 1,
            tabindex: el.getAttribute('tabindex'),
          })),
        );
        for (const b of boxes) {
          if (b.scrolls) assert.equal(b.tabindex, '0', `the box of #${b.id} scrolls (${what}) but cannot be focused`);
        }
        if (what === '700px') assert.ok(boxes.some((b) => b.scrolls), 'at 700 px the style table was expected to scroll in its box');
        found.push(...(await axeFindings(page, `leaderboard style ${locale} ${what} ${path}`)));
        if (locale === 'ar') await screenshot(page, 'leaderboard-style-ar-phone.png');
      } finally {
        await context.close();
      }
    }
    assert.deepEqual(found, []);
  });

  test('no dialogs, page errors, CSP violations or missing assets', () => {
    assert.deepEqual(problems, []);
  });
});
