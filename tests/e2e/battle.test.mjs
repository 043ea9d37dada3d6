// Browser end-to-end test of the GoldArena frontend.
//
// Runs against a server that is already running (started by the Rust test
// harness) at GOLDARENA_E2E_URL, e.g. http://127.0.0.1:43123, using a system
// Chromium (CHROMIUM_PATH, default /usr/bin/chromium) driven by
// playwright-core. Run with `node --test` from this directory.
//
// Optional: GOLDARENA_E2E_SCREENSHOT_DIR, a folder for screenshots.
//
// The steps depend on each other (vote, then check the leaderboard, ...), so
// they run in order inside one suite; a missing URL or browser fails them
// all rather than skipping.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const BASE_URL = (process.env.GOLDARENA_E2E_URL || '').replace(/\/+$/, '');
const EXECUTABLE_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SCREENSHOT_DIR = process.env.GOLDARENA_E2E_SCREENSHOT_DIR || '';
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const STEP_TIMEOUT_MS = 20_000; // any single wait inside a test
const TEST_TIMEOUT_MS = 90_000; // a whole test
const LEADERBOARD_SETTLE_MS = 10_000; // how long the vote may take to show up

const VOTE_PATH = /^\/api\/v1\/battles\/[^/]+\/vote$/;
const isCreateBattle = (r) =>
  r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/battles';
const isVote = (r) => r.request().method() === 'POST' && VOTE_PATH.test(new URL(r.url()).pathname);

/** Problems seen on any page: each one fails the last test. */
const problems = [];

/** Record dialogs, uncaught errors, CSP violations and failed assets. */
function watch(page, label) {
  page.on('dialog', async (dialog) => {
    problems.push(`[${label}] a ${dialog.type()} dialog opened: ${JSON.stringify(dialog.message())}`);
    await dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (err) => {
    problems.push(`[${label}] uncaught page error: ${err.message}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content[ -]Security[ -]Policy/i.test(msg.text())) {
      problems.push(`[${label}] CSP violation: ${msg.text()}`);
    }
  });
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (!BASE_URL || url.origin !== new URL(BASE_URL).origin) return;
    const type = res.request().resourceType();
    if (res.status() >= 400 && ['document', 'stylesheet', 'script'].includes(type)) {
      problems.push(`[${label}] ${type} ${url.pathname} answered ${res.status()}`);
    }
  });
}

/** Wait until body[data-state] is `wanted`; fail early (with the error box) on "error". */
async function waitForState(page, wanted) {
  let state;
  try {
    const handle = await page.waitForFunction(
      (w) => {
        const s = document.body ? document.body.dataset.state : undefined;
        return s === w || s === 'error' ? s : false;
      },
      wanted,
      { timeout: STEP_TIMEOUT_MS },
    );
    state = await handle.jsonValue();
  } catch (err) {
    const now = await page.evaluate(() => document.body && document.body.dataset.state).catch(() => '?');
    throw new Error(`timed out waiting for body[data-state="${wanted}"] (it is "${now}")`, { cause: err });
  }
  if (state !== wanted) {
    const message = await page.locator('#error').innerText().catch(() => '');
    assert.fail(`expected body[data-state="${wanted}"] but the page is in state "${state}": ${message.trim()}`);
  }
}

async function text(page, selector) {
  return (await page.locator(selector).innerText()).trim();
}

async function screenshot(page, name) {
  if (!SCREENSHOT_DIR) return;
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, name), fullPage: true });
}

const VERDICT_BUTTONS = ['model_a', 'model_b', 'tie', 'tie (bothbad)'];
const verdictButton = (page, verdict) => page.locator(`button[data-verdict="${verdict}"]`);

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
test('the e2e environment is set up', async () => {
  assert.ok(BASE_URL, 'GOLDARENA_E2E_URL is not set: it must point at a running GoldArena server');
  assert.doesNotThrow(() => new URL(BASE_URL), `GOLDARENA_E2E_URL is not a URL: ${BASE_URL}`);
  await access(EXECUTABLE_PATH, fsConstants.X_OK).catch(() => {
    assert.fail(`no Chromium at ${EXECUTABLE_PATH} (set CHROMIUM_PATH)`);
  });
});

describe('GoldArena frontend', { timeout: 10 * TEST_TIMEOUT_MS }, () => {
  let browser;
  let context;
  let page; // the arena page, kept across steps
  let firstBattle;
  let totalBefore;
  let voteResult;

  before(async () => {
    assert.ok(BASE_URL, 'GOLDARENA_E2E_URL is not set: it must point at a running GoldArena server');
    browser = await chromium.launch({ executablePath: EXECUTABLE_PATH, args: CHROMIUM_ARGS, headless: true });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    page = await context.newPage();
    watch(page, 'arena');
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
    assert.ok((await text(page, '#result')).length > 0, '#result is empty after voting');
    for (const verdict of VERDICT_BUTTONS) {
      assert.ok(await verdictButton(page, verdict).isDisabled(), `vote button ${verdict} is still enabled`);
    }
    await screenshot(page, 'battle-voted.png');
  });

  test('no script from model content ran', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.deepEqual(
      problems.filter((p) => p.includes('dialog')),
      [],
      'a dialog was opened',
    );
    assert.equal(await page.evaluate(() => typeof window.__xss), 'undefined', 'window.__xss was set');
    const unsafe = await page.evaluate(() => {
      const found = [];
      for (const el of document.querySelectorAll('#prompt *, #pane-a *, #pane-b *')) {
        if (el.tagName === 'SCRIPT' || el.tagName === 'IFRAME' || el.tagName === 'OBJECT' || el.tagName === 'EMBED') {
          found.push(el.tagName);
        }
        for (const attr of el.getAttributeNames()) {
          if (/^on/i.test(attr)) found.push(`${el.tagName}[${attr}]`);
        }
        for (const attr of ['href', 'src', 'action', 'formaction']) {
          const v = el.getAttribute(attr);
          if (v && /^\s*javascript:/i.test(v)) found.push(`${el.tagName}[${attr}=javascript:]`);
        }
      }
      return found;
    });
    assert.deepEqual(unsafe, [], 'active content was inserted into the page');
  });

  test('the leaderboard page counts the vote', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(voteResult, 'no vote was recorded (an earlier step failed)');
    assert.equal(typeof totalBefore, 'number', 'the total before the vote is unknown (an earlier step failed)');
    const lbPage = await context.newPage();
    watch(lbPage, 'leaderboard');
    try {
      let total;
      const deadline = Date.now() + LEADERBOARD_SETTLE_MS;
      for (;;) {
        const nav = await lbPage.goto(`${BASE_URL}/leaderboard`);
        assert.equal(nav && nav.status(), 200, 'GET /leaderboard failed');
        await waitForState(lbPage, 'ready');
        await lbPage.locator('#leaderboard tbody tr[data-model]').first().waitFor();
        total = Number((await text(lbPage, '#total-votes')).replace(/[^\d]/g, ''));
        if (total === totalBefore + 1 || Date.now() > deadline) break;
        await sleep(500);
      }
      assert.equal(total, totalBefore + 1, '#total-votes did not go up by one');

      const rows = await lbPage.evaluate(() =>
        Array.from(document.querySelectorAll('#leaderboard tbody tr[data-model]'), (tr) => {
          const cell = (cls) => {
            const td = tr.querySelector(`td.${cls}`);
            return td ? td.textContent.trim() : null;
          };
          return {
            model: tr.dataset.model,
            rank: cell('rank'),
            name: cell('model'),
            rating: cell('rating'),
            ci: cell('ci'),
            votes: cell('votes'),
          };
        }),
      );
      for (const row of rows) {
        for (const key of ['rank', 'name', 'rating', 'ci', 'votes']) {
          assert.ok(row[key] !== null && row[key] !== '', `row ${row.model} has no "${key}" cell`);
        }
        // A model with a single battle won (or lost) everything: its rating is tagged provisional.
        assert.match(row.rating, /^-?\d+(provisional)?$/, `row ${row.model}: rating ${row.rating} is not a whole number`);
        assert.match(row.ci, /^(—|\+\d+ \/ -\d+)$/, `row ${row.model}: odd CI ${row.ci}`);
      }
      const winner = rows.find((r) => r.model === voteResult.model_a);
      const loser = rows.find((r) => r.model === voteResult.model_b);
      assert.ok(winner, `no leaderboard row for the winner ${voteResult.model_a}`);
      assert.ok(loser, `no leaderboard row for the loser ${voteResult.model_b}`);
      assert.ok(Number(winner.votes) >= 1, `the winner has ${winner.votes} votes`);
      assert.ok(Number(loser.votes) >= 1, `the loser has ${loser.votes} votes`);
      assert.ok(winner.name.includes(voteResult.model_a_display), `the winner's row shows ${winner.name}`);
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
  });

  test('the panes stack on a phone-sized screen', { timeout: TEST_TIMEOUT_MS }, async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    phone.setDefaultTimeout(STEP_TIMEOUT_MS);
    try {
      const p = await phone.newPage();
      watch(p, 'phone');
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
