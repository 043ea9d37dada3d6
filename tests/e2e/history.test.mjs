// Browser end-to-end test of the plots and the model page: the model page
// (/model?name=X) shows the server's history chart (an SVG image that
// loads) and a table whose numbers are the API's
// (GET /api/v1/models/{name}/history), fits a 360 px phone without
// sideways scrolling and passes axe-core; the leaderboard shows the ratings
// plot and the three heatmaps, each heatmap's data table equals the API's
// numbers, each model name links to its page, and the deprecated-models
// switch shows a deprecated model only while it is on.
//
// Runs against a server that is already running (started by the Rust test
// harness) at GOLDARENA_E2E_URL, with votes and at least two snapshots.
// Besides, it needs:
//   GOLDARENA_E2E_MODEL       a ranked model with a history
//   GOLDARENA_E2E_DEPRECATED  a deprecated model with battles
// Uses a system Chromium driven by playwright-core; see harness.mjs.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ASSET_TYPES,
  BASE_URL,
  PHONE_360,
  TEST_TIMEOUT_MS,
  assertBaseUrl,
  assertEnvironment,
  assertNoSidewaysScroll,
  axeFindings,
  launchBrowser,
  localeContext,
  screenshot,
  waitForState,
  watch,
} from './harness.mjs';

const MODEL = process.env.GOLDARENA_E2E_MODEL || '';
const DEPRECATED = process.env.GOLDARENA_E2E_DEPRECATED || '';

/** Problems seen on any page: each one fails the last test. */
const problems = [];

async function open(context, label, path) {
  const page = await context.newPage();
  watch(problems, page, label, { resourceTypes: [...ASSET_TYPES, 'image', 'fetch'] });
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

/** Wait until every image matching `selector` has loaded with a size; returns their sources. */
async function imagesLoaded(page, selector, count) {
  await page.waitForFunction(
    ({ sel, n }) => {
      const imgs = Array.from(document.querySelectorAll(sel));
      return imgs.length === n && imgs.every((i) => i.getAttribute('src') && i.complete && i.naturalWidth > 0);
    },
    { sel: selector, n: count },
  );
  return page.locator(selector).evaluateAll((imgs) =>
    imgs.map((i) => ({ src: i.getAttribute('src'), alt: i.alt, width: i.getBoundingClientRect().width })),
  );
}

/** The number a cell shows in English ("1,012" is 1012, "—" is null). */
function numberOf(text) {
  const t = text.trim().replace(/,/g, '').replace(/\u2212/g, '-');
  return t === '—' || t === '' ? null : Number(t);
}

/** The model rows of the three board tables. */
function boardModels(page) {
  return page
    .locator('#leaderboard tbody tr[data-model], #preliminary tbody tr[data-model], #not-comparable tbody tr[data-model]')
    .evaluateAll((trs) => trs.map((tr) => tr.dataset.model));
}

test('the e2e environment is set up', async () => {
  await assertEnvironment();
  assert.ok(MODEL, 'GOLDARENA_E2E_MODEL is not set');
  assert.ok(DEPRECATED, 'GOLDARENA_E2E_DEPRECATED is not set');
});

describe('GoldArena plots and model history', { timeout: 8 * TEST_TIMEOUT_MS }, () => {
  let browser;

  before(async () => {
    assertBaseUrl();
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('the model page shows the history chart and the API\'s numbers, and passes axe', { timeout: TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en');
    try {
      const history = await api(context, `/models/${encodeURIComponent(MODEL)}/history`);
      assert.ok(history.points.length >= 2, `${MODEL} has fewer than two snapshots`);
      const page = await open(context, 'model', `/model?name=${encodeURIComponent(MODEL)}`);
      assert.equal((await page.locator('#model-name').innerText()).trim(), MODEL);
      const [chart] = await imagesLoaded(page, '#model-chart', 1);
      const src = new URL(chart.src, BASE_URL);
      assert.equal(src.pathname, '/api/v1/plots/history');
      assert.equal(src.searchParams.get('models'), MODEL);
      const reference = history.points[history.points.length - 1].reference_model;
      if (reference && reference !== MODEL) assert.equal(src.searchParams.get('reference'), reference);
      assert.ok(chart.alt.includes(MODEL), `the chart's alt text does not name the model: ${chart.alt}`);
      // The chart itself: an SVG naming the model, with a title.
      const svg = await context.request.get(src.href);
      assert.match(svg.headers()['content-type'], /^image\/svg\+xml/);
      const body = await svg.text();
      assert.ok(body.startsWith('<svg ') && body.includes('<title') && body.includes(MODEL));

      const rows = await page.locator('#model-history-body tr').evaluateAll((trs) =>
        trs.map((tr) => {
          const cells = {};
          for (const td of tr.querySelectorAll('td')) cells[td.className] = td.textContent.trim();
          return cells;
        }),
      );
      assert.equal(rows.length, history.points.length, 'one row per snapshot');
      history.points.forEach((p, i) => {
        const r = rows[i];
        assert.equal(numberOf(r.rating), Math.round(p.rating), `row ${i}: rating`);
        assert.equal(r.ci, `[${Math.round(p.ci_lower).toLocaleString('en')}, ${Math.round(p.ci_upper).toLocaleString('en')}]`, `row ${i}: interval`);
        assert.equal(numberOf(r.rank), p.rank === null ? null : p.rank, `row ${i}: rank`);
        assert.equal(numberOf(r.battles), p.battles, `row ${i}: battles`);
        assert.equal(r.reference, p.reference_model || '—', `row ${i}: reference`);
        if (p.gap_to_reference) {
          const g = p.gap_to_reference;
          const s = (v) => {
            const n = Math.round(v);
            return n === 0 ? '0' : n > 0 ? `+${n.toLocaleString('en')}` : `-${Math.abs(n).toLocaleString('en')}`;
          };
          assert.equal(r.gap, `${s(g.value)} [${s(g.ci_lower)}, ${s(g.ci_upper)}]`, `row ${i}: gap`);
        } else {
          assert.equal(r.gap, '—', `row ${i}: gap`);
        }
      });
      assert.deepEqual(await axeFindings(page, 'model page'), []);
      await screenshot(page, 'model-desktop.png');
    } finally {
      await context.close();
    }
  });

  test('on a 360 px phone the model page does not scroll sideways, and passes axe in every language', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    const found = [];
    for (const locale of ['en', 'zh-CN', 'ar']) {
      const context = await localeContext(browser, locale, PHONE_360);
      try {
        const page = await open(context, `model phone ${locale}`, `/model?name=${encodeURIComponent(MODEL)}`);
        const [chart] = await imagesLoaded(page, '#model-chart', 1);
        assert.ok(chart.width > 100 && chart.width <= 360, `the chart is ${chart.width} px wide on a 360 px phone`);
        await assertNoSidewaysScroll(page, `on the model page (${locale})`);
        found.push(...(await axeFindings(page, `model phone ${locale}`)));
        if (locale === 'ar') await screenshot(page, 'model-ar-phone.png');
      } finally {
        await context.close();
      }
    }
    assert.deepEqual(found, []);
  });

  test('an unknown model says so', { timeout: TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en');
    try {
      const page = await context.newPage();
      await page.goto(`${BASE_URL}/model?name=no-such-model`);
      await page.waitForFunction(() => document.body.dataset.state === 'error');
      assert.match(await page.locator('#error').innerText(), /no-such-model/);
      assert.ok(await page.locator('#model-figure').isHidden(), 'a chart is shown for an unknown model');
    } finally {
      await context.close();
    }
  });

  test('the leaderboard shows the plots, their data tables and links to the model pages', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en');
    try {
      const board = await api(context, '/leaderboard');
      const page = await open(context, 'leaderboard', '/leaderboard');
      const plots = await imagesLoaded(page, 'img[data-plot]', 4);
      assert.deepEqual(
        plots.map((p) => new URL(p.src, BASE_URL).pathname).sort(),
        ['battle_count', 'predicted_win', 'ratings', 'win_fraction'].map((k) => `/api/v1/plots/${k}`),
      );
      for (const p of plots) assert.ok(p.alt.length > 10, `a plot has no alt text: ${p.src}`);
      assert.equal(await page.locator('#lb-plots figure figcaption').count(), 4);

      // Each heatmap's data table, opened: the API's numbers.
      for (const kind of ['win_fraction', 'battle_count', 'predicted_win']) {
        const want = await api(context, `/plots/${kind}?format=json`);
        const details = page.locator(`details[data-matrix="${kind}"]`);
        await details.locator('summary').click();
        await page.waitForFunction((k) => document.querySelectorAll(`details[data-matrix="${k}"] tbody tr[data-model]`).length > 0, kind);
        const shown = await details.locator('tbody tr[data-model]').evaluateAll((trs) =>
          trs.map((tr) => ({ model: tr.dataset.model, cells: Array.from(tr.querySelectorAll('td'), (td) => td.textContent.trim()) })),
        );
        assert.deepEqual(shown.map((r) => r.model), want.models, `${kind}: the table's models`);
        shown.forEach((r, i) => {
          r.cells.forEach((text, j) => {
            const v = want.cells[i][j];
            if (i === j || v === null) assert.equal(text, '—', `${kind}[${i}][${j}]`);
            else if (kind === 'battle_count') assert.equal(numberOf(text), v, `${kind}[${i}][${j}]`);
            else assert.equal(text, v.toFixed(2), `${kind}[${i}][${j}]`);
          });
        });
      }
      assert.ok(!(await boardModels(page)).includes(DEPRECATED), `${DEPRECATED} is deprecated but shown`);
      assert.deepEqual(await axeFindings(page, 'leaderboard with plots'), []);
      await screenshot(page, 'leaderboard-plots.png');

      // A model's name leads to its page.
      const first = board.rows[0].model;
      const link = page.locator(`#leaderboard tr[data-model="${first}"] a.lb-model-link`);
      assert.equal(await link.getAttribute('href'), `/model?name=${encodeURIComponent(first)}`);
      await Promise.all([page.waitForURL(/\/model\?name=/), link.click()]);
      await waitForState(page, 'ready');
      assert.equal((await page.locator('#model-name').innerText()).trim(), first);
    } finally {
      await context.close();
    }
  });

  test('the deprecated switch shows a deprecated model only while it is on', { timeout: TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en');
    try {
      const page = await open(context, 'leaderboard deprecated', '/leaderboard');
      const toggle = page.getByLabel('Show deprecated models');
      assert.equal(await toggle.isChecked(), false);
      assert.ok(!(await boardModels(page)).includes(DEPRECATED));
      const isBoard = (r) => new URL(r.url()).pathname === '/api/v1/leaderboard';
      let [res] = await Promise.all([page.waitForResponse(isBoard), toggle.check()]);
      assert.equal(new URL(res.url()).searchParams.get('show_deprecated'), 'true');
      await waitForState(page, 'ready');
      assert.ok((await boardModels(page)).includes(DEPRECATED), `${DEPRECATED} is not shown with the switch on`);
      assert.equal(new URL(page.url()).searchParams.get('show_deprecated'), 'true', 'the address keeps the switch');
      const plots = await imagesLoaded(page, 'img[data-plot]', 4);
      for (const p of plots) {
        assert.equal(new URL(p.src, BASE_URL).searchParams.get('show_deprecated'), 'true', `${p.src} leaves the deprecated models out`);
      }
      // A reload keeps it on.
      await page.reload();
      await waitForState(page, 'ready');
      assert.equal(await toggle.isChecked(), true);
      assert.ok((await boardModels(page)).includes(DEPRECATED));
      [res] = await Promise.all([page.waitForResponse(isBoard), toggle.uncheck()]);
      assert.equal(new URL(res.url()).searchParams.get('show_deprecated'), null);
      await waitForState(page, 'ready');
      assert.ok(!(await boardModels(page)).includes(DEPRECATED), `${DEPRECATED} is still shown with the switch off`);
    } finally {
      await context.close();
    }
  });

  test('on a 360 px phone the leaderboard with its plots does not scroll sideways', { timeout: TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en', PHONE_360);
    try {
      const page = await open(context, 'leaderboard phone', '/leaderboard');
      const plots = await imagesLoaded(page, 'img[data-plot]', 4);
      for (const p of plots) assert.ok(p.width <= 360, `${p.src} is ${p.width} px wide`);
      await page.locator('details[data-matrix="battle_count"] summary').click();
      await page.waitForFunction(() => document.querySelectorAll('details[data-matrix="battle_count"] tbody tr').length > 0);
      await assertNoSidewaysScroll(page, 'on the leaderboard with its plots');
      assert.deepEqual(await axeFindings(page, 'leaderboard phone with plots'), []);
      await screenshot(page, 'leaderboard-plots-phone.png');
    } finally {
      await context.close();
    }
  });

  test('no dialogs, page errors, CSP violations or missing assets', () => {
    assert.deepEqual(problems, []);
  });
});
