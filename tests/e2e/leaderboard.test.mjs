// Browser end-to-end test of the leaderboard page: the ranked table, the
// preliminary models and the models not comparable yet, each apart; the
// rules the board follows; sortable columns; a phone layout at 360 px that
// shows the interval without sideways scrolling; and axe-core on the page
// in English, Chinese and Arabic, on a desktop, on a phone and in the dark.
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

async function openBoard(context, label) {
  const page = await context.newPage();
  watch(problems, page, label);
  const nav = await page.goto(`${BASE_URL}/leaderboard`);
  assert.equal(nav && nav.status(), 200, 'GET /leaderboard failed');
  await waitForState(page, 'ready');
  return page;
}

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

  test('no dialogs, page errors, CSP violations or missing assets', () => {
    assert.deepEqual(problems, []);
  });
});
