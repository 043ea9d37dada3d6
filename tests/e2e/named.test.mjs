// Browser end-to-end test of two things a voter must learn before acting,
// not after: which models cannot be chosen right now (named mode), and that
// a vote on an answer stopped before its first word would not count.
//
// Runs against a server that is already running (started by the Rust test
// harness) at GOLDARENA_E2E_URL with three live models behind a fake
// OpenAI-compatible upstream:
//   "quick"  answers at once;
//   "sleepy" waits five seconds before its first word;
//   "down"   always fails, and has already failed once: it sits out a
//            failure cool-down, so GET /api/v1/arena lists it with
//            `available: false`, and anonymous battles are drawn between
//            quick and sleepy only.
// Uses a system Chromium driven by playwright-core; see harness.mjs.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ASSET_TYPES,
  BASE_URL,
  TEST_TIMEOUT_MS,
  VERDICT_BUTTONS,
  assertBaseUrl,
  assertEnvironment,
  isBattleAction,
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

const isStop = isBattleAction('stop');
const isArena = (r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/api/v1/arena';

/** Problems seen on the page: each one fails the last test. */
const problems = [];

// Outside the suite so that a missing setup is counted as a failure, not only
// as cancelled steps.
test('the e2e environment is set up', assertEnvironment);

describe('GoldArena: what a voter learns before acting', { timeout: 10 * TEST_TIMEOUT_MS }, () => {
  let browser;
  let page;
  let choices;

  before(async () => {
    assertBaseUrl();
    browser = await launchBrowser();
    const context = await newContext(browser);
    page = await context.newPage();
    watch(problems, page, 'named', { resourceTypes: [...ASSET_TYPES, 'eventsource'] });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('named mode marks a resting model and keeps it out of the choice', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [arenaRes] = await Promise.all([page.waitForResponse(isArena), page.goto(`${BASE_URL}/`)]);
    choices = (await arenaRes.json()).live.choices;
    const down = choices.find((c) => c.name === 'down');
    assert.ok(down, `the arena does not list "down": ${JSON.stringify(choices)}`);
    assert.equal(down.available, false, `"down" is not marked unavailable: ${JSON.stringify(down)}`);
    for (const name of ['quick', 'sleepy']) {
      assert.notEqual(choices.find((c) => c.name === name)?.available, false, `${name} is marked unavailable`);
    }

    await waitForState(page, 'prompt');
    await page.locator('#named-toggle').check();
    for (const side of ['a', 'b']) {
      const select = page.locator(`#model-${side}-select`);
      const options = await select.locator('option').evaluateAll((els) =>
        els.map((o) => ({ value: o.value, label: o.textContent, disabled: o.disabled })),
      );
      const downOption = options.find((o) => o.value === 'down');
      if (downOption) {
        assert.equal(downOption.disabled, true, `#model-${side}-select offers "down" although it is resting`);
        assert.match(downOption.label, /unavailable/i, `the option of "down" does not say it is unavailable: ${downOption.label}`);
      }
      for (const name of ['quick', 'sleepy']) {
        const o = options.find((x) => x.value === name);
        assert.ok(o && !o.disabled, `#model-${side}-select does not offer ${name}: ${JSON.stringify(options)}`);
      }
    }
    await page.locator('#prompt-input').fill('Who are you?');
    // A resting model cannot be picked; forcing it in (as a stale page might) keeps Send off.
    await page.locator('#model-a-select').evaluate((s) => {
      s.value = 'down';
      s.dispatchEvent(new Event('change'));
    });
    await page.locator('#model-b-select').selectOption('quick');
    assert.ok(await page.locator('#send').isDisabled(), '#send is enabled with a resting model chosen');
    await page.locator('#model-a-select').selectOption('sleepy');
    assert.ok(await page.locator('#send').isEnabled(), '#send is disabled for two available models');
    await assertVisible(page, '#named-unavailable', 'with a resting model');
    assert.match(await text(page, '#named-unavailable'), /unavailable/i);
    await screenshot(page, 'named-unavailable.png');
    // Back to an anonymous battle for the next step.
    await page.locator('#named-toggle').uncheck();
    await page.locator('#prompt-input').fill('');
  });

  test('an answer stopped before its first word is flagged before the vote', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(choices, 'the arena was not read (an earlier step failed)');
    await page.locator('#prompt-input').fill('Count slowly to ten.');
    const [res] = await Promise.all([page.waitForResponse(isCreateBattle), page.locator('#send').click()]);
    assert.equal(res.status(), 201, `POST /api/v1/battles: ${await res.text()}`);
    const battle = await res.json();
    assert.notEqual(battle.mode, 'named', 'the battle is not anonymous');

    await waitForState(page, 'streaming');
    // "sleepy" has not written anything yet: stop now.
    const [stopRes] = await Promise.all([page.waitForResponse(isStop), page.locator('#stop').click()]);
    assert.equal(stopRes.status(), 200, `POST /stop: ${await stopRes.text()}`);
    await waitForState(page, 'ready');

    const answers = await page.locator('.answer').evaluateAll((els) =>
      els.map((el) => ({ side: el.dataset.side, finish: el.dataset.finishReason, text: el.innerText })),
    );
    const empty = answers.filter((a) => a.finish === 'stopped' && /\(empty answer\)/.test(a.text));
    assert.ok(empty.length >= 1, `no answer was stopped before its first word: ${JSON.stringify(answers)}`);

    // Before any vote: the warning, naming the side by its letter.
    await assertVisible(page, '#stopped-warning', 'before the vote on an empty stopped answer');
    const warning = await text(page, '#stopped-warning');
    assert.match(warning, /would not count/i, `the warning does not say the vote would not count: ${warning}`);
    if (empty.length === 1) {
      assert.match(warning, new RegExp(`\\b${empty[0].side.toUpperCase()}\\b`), `the warning does not name answer ${empty[0].side}`);
    }
    for (const verdict of VERDICT_BUTTONS) {
      assert.ok(await verdictButton(page, verdict).isEnabled(), `vote button ${verdict} is disabled: the voter may still vote`);
    }
    await screenshot(page, 'named-stopped-warning.png');

    const [voteRes] = await Promise.all([page.waitForResponse(isVote), verdictButton(page, 'tie').click()]);
    assert.equal(voteRes.status(), 200, `vote failed: ${await voteRes.text()}`);
    const v = await voteRes.json();
    assert.equal(v.counted, false, 'the vote on an empty stopped answer was counted, as the warning said it would not be');
    await waitForState(page, 'voted');
    await assertVisible(page, '#not-counted', 'after the vote');
    await assertHidden(page, '#stopped-warning', 'after the vote (#not-counted says it now)');
  });

  test('no dialogs, page errors, CSP violations or missing assets', () => {
    assert.deepEqual(problems, []);
  });
});

/** Visible, because the layout shows it: not only in the DOM. */
async function assertVisible(page, selector, when) {
  assert.ok(await page.locator(selector).isVisible(), `${selector} is not visible ${when}`);
}

async function assertHidden(page, selector, when) {
  assert.equal(await page.locator(selector).isVisible(), false, `${selector} is visible ${when}`);
}
