// Browser end-to-end test of the GoldArena frontend.
//
// Runs against a server that is already running (started by the Rust test
// harness) at GOLDARENA_E2E_URL, using a system Chromium driven by
// playwright-core; see harness.mjs for the environment. Run with
// `node --test` from this directory.
//
// The steps depend on each other (vote, then check the leaderboard, ...), so
// they run in order inside one suite; a missing URL or browser fails them
// all rather than skipping.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BASE_URL,
  TEST_TIMEOUT_MS,
  VERDICT_BUTTONS,
  assertBaseUrl,
  assertEnvironment,
  assertNoScriptRan,
  checkA11y,
  isCreateBattle,
  isVote,
  launchBrowser,
  newContext,
  screenshot,
  text,
  verdictButton,
  waitForState,
  watch,
} from './harness.mjs';

const LEADERBOARD_SETTLE_MS = 10_000; // how long the vote may take to show up

/** Problems seen on any page: each one fails the last test. */
const problems = [];

/** The answer panes show text besides their titles, and no model name. */
async function assertAnonymousBattleShown(page) {
  assert.ok((await text(page, '#prompt')).length > 0, '#prompt is empty');
  for (const side of ['a', 'b']) {
    const pane = await text(page, `#pane-${side}`);
    const name = await text(page, `#name-${side}`);
    assert.ok(
      pane.replace(name, '').trim().length > 0,
      `#pane-${side} shows no answer text (only ${JSON.stringify(pane)})`,
    );
    assert.doesNotMatch(name, /demo-|Demo /, `#name-${side} reveals a model before the vote: ${name}`);
  }
  for (const verdict of VERDICT_BUTTONS) {
    assert.ok(await verdictButton(page, verdict).isEnabled(), `vote button ${verdict} is disabled`);
  }
  assert.equal(await page.locator('#new-round').isVisible(), false, '#new-round is visible before voting');
}

// Outside the suite so that a missing setup is counted as a failure, not only
// as cancelled steps.
test('the e2e environment is set up', assertEnvironment);

describe('GoldArena frontend', { timeout: 10 * TEST_TIMEOUT_MS }, () => {
  let browser;
  let context;
  let page; // the arena page, kept across steps
  let firstBattle;
  let totalBefore;
  let voteResult;

  before(async () => {
    assertBaseUrl();
    browser = await launchBrowser();
    context = await newContext(browser);
    page = await context.newPage();
    watch(problems, page, 'arena');
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('the arena shows an anonymous battle', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [battleRes, nav] = await Promise.all([
      page.waitForResponse(isCreateBattle),
      page.goto(`${BASE_URL}/`),
    ]);
    assert.ok(nav, 'no response for /');
    assert.equal(nav.status(), 200, 'GET / failed');
    const csp = nav.headers()['content-security-policy'] || '';
    assert.match(csp, /script-src 'self'/, `GET / lacks the strict Content-Security-Policy (got ${JSON.stringify(csp)})`);

    assert.equal(battleRes.status(), 201, `POST /api/v1/battles: ${await battleRes.text()}`);
    firstBattle = await battleRes.json();
    assert.ok(firstBattle.id, 'the battle has no id');
    for (const key of ['model_a', 'model_b', 'model_a_display', 'model_b_display']) {
      assert.ok(!(key in firstBattle), `the battle response reveals ${key} before the vote`);
    }

    await waitForState(page, 'ready');
    await assertAnonymousBattleShown(page);

    const demo = page.locator('#demo-label');
    if (firstBattle.question_set === 'demo') {
      assert.ok(await demo.isVisible(), '#demo-label is hidden on a demo battle');
      assert.match(await demo.innerText(), /Demo data/);
    } else {
      assert.equal(await demo.isVisible(), false, '#demo-label is shown on a non-demo battle');
    }

    // Wide screen: the panes sit side by side, A on the left.
    const a = await page.locator('#pane-a').boundingBox();
    const b = await page.locator('#pane-b').boundingBox();
    assert.ok(a && b, 'the panes have no layout box');
    assert.ok(b.x >= a.x + a.width - 1, `at 1280px pane B (x=${b.x}) is not right of pane A (x=${a.x}, w=${a.width})`);
    assert.ok(Math.abs(a.y - b.y) < 2, `at 1280px the panes are not side by side (top ${a.y} vs ${b.y})`);

    // The content carries the battle's language; an English browser gets an English page.
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    const marks = await page.locator('#prompt .markdown, #panes .answer-content').evaluateAll((els) =>
      els.map((el) => ({ lang: el.getAttribute('lang'), dir: el.getAttribute('dir') })),
    );
    for (const m of marks) assert.equal(m.dir, 'auto', 'content without dir="auto"');
    if (firstBattle.language === 'eng') {
      for (const m of marks) assert.equal(m.lang, 'en', `content of an English battle has lang="${m.lang}"`);
    }
    await checkA11y(page, 'question-bank battle');
  });

  test('the leaderboard API gives the vote total', { timeout: TEST_TIMEOUT_MS }, async () => {
    const res = await page.request.get(`${BASE_URL}/api/v1/leaderboard`);
    assert.equal(res.status(), 200, `GET /api/v1/leaderboard: ${await res.text()}`);
    const lb = await res.json();
    assert.equal(typeof lb.total_votes, 'number', 'total_votes is not a number');
    assert.ok(Array.isArray(lb.rows), 'rows is not an array');
    totalBefore = lb.total_votes;
  });

  test('voting for A reveals both models', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(firstBattle, 'no battle was shown (an earlier step failed)');
    const button = page.getByRole('button', { name: 'A is better', exact: true });
    assert.equal(await button.getAttribute('data-verdict'), 'model_a');

    const [voteRes] = await Promise.all([page.waitForResponse(isVote), button.click()]);
    assert.equal(voteRes.status(), 200, `vote failed: ${await voteRes.text()}`);
    assert.ok(
      new URL(voteRes.url()).pathname.includes(encodeURIComponent(firstBattle.id)),
      `the vote went to ${voteRes.url()}, not to battle ${firstBattle.id}`,
    );
    assert.deepEqual(voteRes.request().postDataJSON(), { verdict: 'model_a' });
    voteResult = await voteRes.json();
    assert.equal(voteResult.battle_id, firstBattle.id);
    assert.equal(voteResult.verdict, 'model_a');
    assert.equal(voteResult.counted, true, 'the vote was not counted');
    assert.ok(voteResult.model_a && voteResult.model_b, 'the vote response names no models');
    assert.notEqual(voteResult.model_a, voteResult.model_b, 'a model was matched against itself');

    await waitForState(page, 'voted');
    const nameA = await text(page, '#name-a');
    const nameB = await text(page, '#name-b');
    assert.ok(nameA.includes(voteResult.model_a_display), `#name-a (${nameA}) lacks ${voteResult.model_a_display}`);
    assert.ok(nameB.includes(voteResult.model_b_display), `#name-b (${nameB}) lacks ${voteResult.model_b_display}`);
    assert.notEqual(voteResult.model_a_display, voteResult.model_b_display);
    assert.notEqual(nameA, nameB);

    assert.ok(await page.locator('#new-round').isVisible(), '#new-round is not visible after voting');
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'new-round', 'focus did not move to "New round"');
    assert.ok((await text(page, '#result')).length > 0, '#result is empty after voting');
    for (const verdict of VERDICT_BUTTONS) {
      assert.ok(await verdictButton(page, verdict).isDisabled(), `vote button ${verdict} is still enabled`);
    }
    await checkA11y(page, 'question-bank battle, revealed');
    await screenshot(page, 'battle-voted.png');
  });

  test('no script from model content ran', { timeout: TEST_TIMEOUT_MS }, async () => {
    await assertNoScriptRan(page, problems);
  });

  test('the leaderboard page counts the vote', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(voteResult, 'no vote was recorded (an earlier step failed)');
    assert.equal(typeof totalBefore, 'number', 'the total before the vote is unknown (an earlier step failed)');
    const lbPage = await context.newPage();
    watch(problems, lbPage, 'leaderboard');
    try {
      let total;
      const deadline = Date.now() + LEADERBOARD_SETTLE_MS;
      for (;;) {
        const nav = await lbPage.goto(`${BASE_URL}/leaderboard`);
        assert.equal(nav && nav.status(), 200, 'GET /leaderboard failed');
        await waitForState(lbPage, 'ready');
        await lbPage.locator('.lb-table tbody tr[data-model]').first().waitFor();
        total = Number((await text(lbPage, '#total-votes')).replace(/[^\d]/g, ''));
        if (total === totalBefore + 1 || Date.now() > deadline) break;
        await sleep(500);
      }
      assert.equal(total, totalBefore + 1, '#total-votes did not go up by one');

      // Every row of every table: the ranked one, the preliminary models and
      // those not comparable yet.
      const rows = await lbPage.evaluate(() =>
        Array.from(document.querySelectorAll('.lb-table tbody tr[data-model]'), (tr) => {
          const cell = (cls) => {
            const td = tr.querySelector(`td.${cls}`);
            return td ? td.textContent.trim() : null;
          };
          return {
            model: tr.dataset.model,
            status: tr.dataset.status,
            table: tr.closest('table').id,
            rank: cell('rank'),
            name: cell('model'),
            rating: cell('rating'),
            ci: cell('ci'),
            battles: cell('battles'),
          };
        }),
      );
      const tableOf = { ranked: 'leaderboard', preliminary: 'preliminary', not_comparable: 'not-comparable' };
      for (const row of rows) {
        assert.equal(row.table, tableOf[row.status], `row ${row.model} (${row.status}) is in #${row.table}`);
        for (const key of ['name', 'rating', 'battles']) {
          assert.ok(row[key] !== null && row[key] !== '', `row ${row.model} has no "${key}" cell`);
        }
        if (row.status === 'ranked') {
          assert.match(row.rank, /^\d+$/, `row ${row.model}: rank ${row.rank}`);
          assert.match(row.rating, /^-?[\d,]+$/, `row ${row.model}: rating ${row.rating} is not a whole number`);
          assert.match(row.ci, /^\[-?[\d,]+, -?[\d,]+\]$/, `row ${row.model}: odd CI ${row.ci}`);
        } else {
          // Not ranked: no rank, and "—" with the reason instead of a rating.
          assert.equal(row.rank, null, `row ${row.model} has a rank`);
          assert.ok(row.rating.startsWith('—'), `row ${row.model}: rating ${row.rating} is not "—"`);
        }
      }
      const winner = rows.find((r) => r.model === voteResult.model_a);
      const loser = rows.find((r) => r.model === voteResult.model_b);
      assert.ok(winner, `no leaderboard row for the winner ${voteResult.model_a}`);
      assert.ok(loser, `no leaderboard row for the loser ${voteResult.model_b}`);
      assert.ok(Number(winner.battles) >= 1, `the winner has ${winner.battles} battles`);
      assert.ok(Number(loser.battles) >= 1, `the loser has ${loser.battles} battles`);
      assert.ok(winner.name.includes(voteResult.model_a_display), `the winner's row shows ${winner.name}`);
      // Each model is in the table of its standing on the server.
      const api = await (await lbPage.request.get(`${BASE_URL}/api/v1/leaderboard`)).json();
      for (const row of rows) {
        const served = api.rows.find((r) => r.model === row.model);
        if (served && typeof served.status === 'string') {
          assert.equal(row.status, served.status, `row ${row.model} is shown as ${row.status}, served as ${served.status}`);
        }
      }
      if (typeof api.min_votes === 'number' && api.min_votes > 1 && api.total_votes === 1) {
        assert.equal(winner.status, 'preliminary', `the winner of a single battle is ${winner.status}`);
      }
      await checkA11y(lbPage, 'leaderboard');
      await screenshot(lbPage, 'leaderboard.png');
    } finally {
      await lbPage.close();
    }
  });

  test('New round shows a different battle', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(voteResult, 'no vote was recorded (an earlier step failed)');
    const [battleRes] = await Promise.all([
      page.waitForResponse(isCreateBattle),
      page.locator('#new-round').click(),
    ]);
    assert.equal(battleRes.status(), 201, `POST /api/v1/battles: ${await battleRes.text()}`);
    const next = await battleRes.json();
    assert.ok(next.id, 'the new battle has no id');
    assert.notEqual(next.id, firstBattle.id, 'New round returned the same battle');

    await waitForState(page, 'ready');
    await assertAnonymousBattleShown(page);
    assert.equal(await text(page, '#result'), '', '#result still shows the last vote');
    // Focus moved on purpose to the new battle, not back to the page body.
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'prompt', 'focus did not move to the new battle');
  });

  test('the panes stack on a phone-sized screen', { timeout: TEST_TIMEOUT_MS }, async () => {
    const phone = await newContext(browser, {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    try {
      const p = await phone.newPage();
      watch(problems, p, 'phone');
      await p.goto(`${BASE_URL}/`);
      await waitForState(p, 'ready');
      const a = await p.locator('#pane-a').boundingBox();
      const b = await p.locator('#pane-b').boundingBox();
      assert.ok(a && b, 'the panes have no layout box');
      assert.ok(b.y >= a.y + a.height - 0.5, `pane B (top ${b.y}) is not below pane A (bottom ${a.y + a.height})`);
      const scrollWidth = await p.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scrollWidth <= 391, `the page scrolls sideways on a phone (scrollWidth ${scrollWidth})`);
      await screenshot(p, 'battle-phone.png');
    } finally {
      await phone.close();
    }
  });

  test('no dialogs, page errors, CSP violations or missing assets', () => {
    assert.deepEqual(problems, []);
  });
});
