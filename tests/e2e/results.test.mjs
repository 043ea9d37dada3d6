// Browser end-to-end test of the campaign results page (/results): an
// operator reads the results of a blind evaluation campaign and resolves
// the item waiting for adjudication.
//
// Runs against a server that is already running (started by the Rust test
// harness) at GOLDARENA_E2E_URL, using a system Chromium driven by
// playwright-core; see harness.mjs for the environment. Besides, it needs:
//   GOLDARENA_E2E_OPERATOR_EMAIL     an operator account ...
//   GOLDARENA_E2E_OPERATOR_PASSWORD  ... and its password
//   GOLDARENA_E2E_CAMPAIGN_ID        a campaign of demo-thorough against the
//                                    demo-terse baseline, judged by two
//                                    experts who agree on every item, one
//                                    answer flagged for safety
// Run with `node --test` from this directory. The steps depend on each
// other, so they run in order inside one suite.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  TEST_TIMEOUT_MS,
  assertBaseUrl,
  assertEnvironment,
  assertNoSidewaysScroll,
  checkA11y,
  htmlLangDir,
  launchBrowser,
  localeContext,
  screenshot,
  text,
  waitForState,
  watch,
} from './harness.mjs';

const EMAIL = process.env.GOLDARENA_E2E_OPERATOR_EMAIL || '';
const PASSWORD = process.env.GOLDARENA_E2E_OPERATOR_PASSWORD || '';
const CAMPAIGN = process.env.GOLDARENA_E2E_CAMPAIGN_ID || '';

/** Problems seen on any page: each one fails the last test. */
const problems = [];

const isResolve = (r) =>
  r.request().method() === 'POST' && /^\/api\/v1\/campaigns\/[^/]+\/adjudication$/.test(new URL(r.url()).pathname);

const resultsUrl = () => `${BASE_URL}/results?campaign=${encodeURIComponent(CAMPAIGN)}`;

/** The rows of the adjudication queue (the "nothing waits" row left out). */
const queueRows = (page) => page.locator('#queue tbody tr[data-item]');

test('the e2e environment is set up', async () => {
  await assertEnvironment();
  assert.ok(EMAIL && PASSWORD, 'GOLDARENA_E2E_OPERATOR_EMAIL and _PASSWORD must be set');
  assert.match(CAMPAIGN, /^[1-9][0-9]*$/, 'GOLDARENA_E2E_CAMPAIGN_ID must be a campaign id');
});

describe('GoldArena campaign results page', { timeout: 12 * TEST_TIMEOUT_MS }, () => {
  let browser;
  let context;
  let page;
  let loggedIn = false;

  before(async () => {
    assertBaseUrl();
    browser = await launchBrowser();
    context = await localeContext(browser, 'en');
    page = await context.newPage();
    watch(problems, page, 'desktop');
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('without a campaign the page says how to open it', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.goto(`${BASE_URL}/results`);
    await waitForState(page, 'no-campaign');
    assert.equal(await page.locator('#no-campaign').isVisible(), true);
  });

  test('the page asks for a login, and the operator logs in', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.goto(resultsUrl());
    await waitForState(page, 'login');
    await checkA11y(page, 'login (en)');
    await page.fill('#login-email', EMAIL);
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await waitForState(page, 'ready');
    loggedIn = true;
    assert.equal(await text(page, '#user-email'), EMAIL);
    assert.equal(await text(page, '#summary-title'), `Campaign ${CAMPAIGN}`);
  });

  test('the leaderboard, the baseline table, safety and agreement are shown', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    for (const model of ['demo-thorough', 'demo-terse']) {
      const row = page.locator(`#board tbody tr[data-model="${model}"]`);
      assert.equal(await row.count(), 1, `${model} is not on the leaderboard`);
      assert.match(await row.innerText(), /\[[^\]]+,[^\]]+\]/, `${model}: no interval`);
    }
    assert.equal(await page.locator('#board caption').count(), 1);
    assert.ok((await page.locator('#board thead th[scope="col"]').count()) >= 5);

    const wtl = page.locator('#wtl tbody tr[data-model="demo-thorough"]');
    assert.equal(await wtl.count(), 1, 'no win/tie/lose row for demo-thorough');
    const wtlText = await wtl.innerText();
    assert.match(wtlText, /demo-terse/);
    assert.match(wtlText, /\d+(\.\d)?\s?%\s*\[\d+(\.\d)?\s?%,\s*\d+(\.\d)?\s?%\]/, `no % with an interval: ${wtlText}`);

    const fleiss = (await text(page, '#agreement [data-fact="fleiss"] dd'));
    assert.match(fleiss, /\d/, `Fleiss' κ is not shown: "${fleiss}"`);
    assert.ok((await page.locator('#axes tbody tr[data-axis]').count()) > 0, 'no agreement per axis');
    assert.ok((await page.locator('#raters tbody tr[data-rater]').count()) === 2, 'not two raters');

    assert.equal(await page.locator('#flagged li[data-item]').count(), 1, 'not one flagged answer');
    assert.match(await text(page, '#flagged'), /recommends a double dose/);
    assert.match(await text(page, '#safety'), /demo-/);
    assert.match(await text(page, '#progress'), /\d/);
    await checkA11y(page, 'results (desktop, en)');
    await screenshot(page, 'results-en.png');
  });

  test('the export links point at both formats and download', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    for (const format of ['jsonl', 'csv']) {
      const href = await page.locator(`#export-${format}`).getAttribute('href');
      assert.equal(href, `/api/v1/campaigns/${CAMPAIGN}/export?format=${format}`);
      const res = await context.request.get(`${BASE_URL}${href}`);
      assert.equal(res.status(), 200, `the ${format} export answered ${res.status()}`);
      assert.ok((await res.body()).length > 0, `the ${format} export is empty`);
    }
  });

  test('the flagged item is resolved as model_b and the queue empties', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    const rows = queueRows(page);
    assert.equal(await rows.count(), 1, 'the queue does not hold exactly the flagged item');
    const row = rows.first();
    assert.match((await row.getAttribute('data-why')) || '', /safety/);
    const item = await row.getAttribute('data-item');
    assert.equal(await row.locator('button[data-verdict]').count(), 3);
    const [res] = await Promise.all([
      page.waitForResponse(isResolve),
      row.locator('button[data-verdict="model_b"]').click(),
    ]);
    assert.equal(res.status(), 200);
    assert.deepEqual(JSON.parse(res.request().postData() || '{}'), { item_id: Number(item), verdict: 'model_b' });
    await waitForState(page, 'ready');
    await page.waitForFunction(() => document.querySelectorAll('#queue tbody tr[data-item]').length === 0);
    assert.match(await text(page, '#queue tbody'), /Nothing is waiting/);
    await page.waitForFunction((i) => document.getElementById('announcer').textContent.includes(`Item ${i}`), item);
    await checkA11y(page, 'results after the decision (desktop, en)');
  });

  test('in Chinese the page is translated', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    await Promise.all([page.waitForEvent('load'), page.selectOption('#lang-select', 'zh-CN')]);
    await waitForState(page, 'ready');
    assert.deepEqual(await htmlLangDir(page), { lang: 'zh-CN', dir: 'ltr' });
    assert.equal(await page.title(), 'GoldArena · 评测结果');
    assert.equal(await text(page, 'h1'), '评测结果');
    assert.equal(await text(page, '#queue-title'), '待裁决队列');
    assert.equal(await page.locator('#board tbody tr[data-model]').count(), 2);
    await checkA11y(page, 'results (desktop, zh-CN)');
    await screenshot(page, 'results-zh.png');
  });

  test('in Arabic the page reads right to left', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    await Promise.all([page.waitForEvent('load'), page.selectOption('#lang-select', 'ar')]);
    await waitForState(page, 'ready');
    assert.deepEqual(await htmlLangDir(page), { lang: 'ar', dir: 'rtl' });
    assert.equal(await text(page, 'h1'), 'نتائج الحملة');
    await assertNoSidewaysScroll(page, 'in Arabic');
    await checkA11y(page, 'results (desktop, ar)');
  });

  test('on a 390 px phone the page does not scroll sideways', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    await Promise.all([page.waitForEvent('load'), page.selectOption('#lang-select', 'en')]);
    await waitForState(page, 'ready');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await waitForState(page, 'ready');
    await assertNoSidewaysScroll(page, 'at 390 px');
    await checkA11y(page, 'results (390 px, en)');
    await screenshot(page, 'results-phone.png');
  });

  test('no dialogs, page errors, CSP violations or missing assets', () => {
    assert.deepEqual(problems, []);
  });
});
