// Browser end-to-end test of what a live battle does when a model fails,
// and of what the page keeps back until the vote.
//
// Runs against a server that is already running (started by the Rust test
// harness) at GOLDARENA_E2E_URL with two live models behind a fake
// OpenAI-compatible upstream: "steady" always answers; "flaky" answers the
// first turn, fails the second (one attempt, no retries), answers when the
// turn is tried again, and then fails the first turn of the next battle
// (the Rust test switches its script between requests). Every answer
// contains the word "streamed". Which side each model is on is drawn at
// random, so the steps only ever say "one of the models".
//
// Checks:
//   - no speed or token count is shown before the vote; the reveal shows
//     them, from the vote's answer (`stats`);
//   - a failed later turn keeps the battle open with the earlier turns, says
//     so in plain words, moves focus to "Try this turn again", and that
//     button regenerates the turn and follows the stream again;
//   - a battle whose first turn fails is void, focus moves to "New round",
//     and the new round keeps the voter's prompt in the box;
//   - screen readers are told when the answers are done.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ASSET_TYPES,
  BASE_URL,
  TEST_TIMEOUT_MS,
  VERDICT_BUTTONS,
  assertBaseUrl,
  assertEnvironment,
  checkA11y,
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

const isTurn = isBattleAction('turns');
const isRegenerate = isBattleAction('regenerate');

/** Speed or length as the page would write them: "850 ms", "4.2 s", "40 tokens", "first token". */
const SPEED_OR_LENGTH = /\b\d+(?:[.,]\d+)?\s?(?:ms|s|sec)\b|\btokens?\b|first token/i;

/** Problems seen on the page: each one fails the last test. */
const problems = [];

async function assertVoteButtons(page, enabled, when) {
  for (const verdict of VERDICT_BUTTONS) {
    const isEnabled = await verdictButton(page, verdict).isEnabled();
    assert.equal(isEnabled, enabled, `vote button ${verdict} is ${isEnabled ? 'enabled' : 'disabled'} ${when}`);
  }
}

/** The id of the element that has focus ("" for none or the body). */
const focusedId = (page) => page.evaluate(() => (document.activeElement && document.activeElement.id) || '');

/** Nothing on the page (answers, notes, anything visible) states speed or length. */
async function assertNoSpeedShown(page, when) {
  const shown = await page.evaluate(() => document.body.innerText);
  const match = shown.match(/\b\d+(?:[.,]\d+)?\s?(?:ms|s|sec)\b|\btokens?\b|first token/i);
  assert.equal(match, null, `the page shows speed or length ${when}: ${match && JSON.stringify(match[0])}`);
  const statsShown = await page.locator('.pane-stats:visible').count();
  assert.equal(statsShown, 0, `a .pane-stats line is visible ${when}`);
}

// Outside the suite so that a missing setup is counted as a failure, not only
// as cancelled steps.
test('the e2e environment is set up', assertEnvironment);

describe('GoldArena live battles that fail', { timeout: 10 * TEST_TIMEOUT_MS }, () => {
  let browser;
  let page;
  let battle;
  let voteResult;

  before(async () => {
    assertBaseUrl();
    browser = await launchBrowser();
    const context = await newContext(browser);
    page = await context.newPage();
    watch(problems, page, 'failures', { resourceTypes: [...ASSET_TYPES, 'eventsource'] });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('the first turn is answered, and nothing tells the speed or length of an answer', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.goto(`${BASE_URL}/`);
    await waitForState(page, 'prompt');
    await page.locator('#prompt-input').fill('Tell me about sleep.');
    const [res] = await Promise.all([page.waitForResponse(isCreateBattle), page.locator('#send').click()]);
    assert.equal(res.status(), 201, `POST /api/v1/battles: ${await res.text()}`);
    battle = await res.json();

    await waitForState(page, 'ready');
    // The live region told screen readers that both answers are done.
    await page.waitForFunction(() => document.getElementById('answers-status').textContent.trim() !== '');
    assert.match(await page.locator('#answers-status').textContent(), /finished/i);
    assert.equal(await page.locator('#answers-status').getAttribute('role'), 'status');
    for (const side of ['a', 'b']) {
      assert.match(await text(page, `#body-${side}`), /streamed/, `#body-${side} has no answer`);
    }
    await assertNoSpeedShown(page, 'once the first answers are done');
    await assertVoteButtons(page, true, 'once the first answers are done');
  });

  test('a failed second turn keeps the battle open and can be tried again', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(battle, 'no battle was started (an earlier step failed)');
    await page.locator('#followup-input').fill('And what about naps?');
    const [turnRes] = await Promise.all([page.waitForResponse(isTurn), page.locator('#followup-send').click()]);
    assert.equal(turnRes.status(), 201, `POST /turns: ${await turnRes.text()}`);

    await waitForState(page, 'failed');
    await assertVisible(page, '#turn-failed', 'after a failed turn');
    assert.match(await text(page, '#turn-failed-text'), /could not answer this turn/i);
    await assertVisible(page, '#retry-turn', 'after a failed turn');
    assert.match(await text(page, '#retry-turn'), /try this turn again/i);
    assert.equal(await focusedId(page), 'retry-turn', 'focus did not move to "Try this turn again"');
    await assertVisible(page, '#new-round', 'after a failed turn');
    await assertVoteButtons(page, false, 'while the latest turn has failed');
    await assertHidden(page, '#void-reason', 'after a failed later turn (the battle is not void)');
    // The first turn is kept, answered on both sides.
    for (const side of ['a', 'b']) {
      const first = await page.locator(`#body-${side} .answer[data-turn="0"]`).innerText();
      assert.match(first, /streamed/, `#body-${side} lost the first turn's answer`);
    }
    // Plain words: no codes, no stack of technical terms.
    const notice = await text(page, '#turn-failed');
    assert.doesNotMatch(notice, /\b(?:http|500|error code|upstream|_)\b/i, `the failure notice is not plain words: ${notice}`);
    const server = await page.request.get(`${BASE_URL}/api/v1/battles/${encodeURIComponent(battle.id)}`);
    const state = await server.json();
    assert.equal(state.status, 'open', 'the battle is not open after a failed later turn');
    assert.equal(state.failed, true, 'GET /battles/{id} does not say the latest turn failed');
    await checkA11y(page, 'arena, failed turn');
    await screenshot(page, 'failures-turn-failed.png');

    const [regen] = await Promise.all([page.waitForResponse(isRegenerate), page.locator('#retry-turn').click()]);
    assert.equal(regen.status(), 201, `POST /regenerate: ${await regen.text()}`);
    assert.deepEqual(regen.request().postDataJSON(), {}, 'the retry did not send {}');
    await waitForState(page, 'ready');
    await assertHidden(page, '#turn-failed', 'once the turn was answered again');
    for (const side of ['a', 'b']) {
      const second = await page.locator(`#body-${side} .answer[data-turn="1"]`).innerText();
      assert.match(second, /streamed/, `#body-${side} has no answer to the retried turn`);
    }
    await assertNoSpeedShown(page, 'after the retried turn');
    await assertVoteButtons(page, true, 'once the retried turn is answered');
  });

  test('the reveal shows each answer’s speed and length', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(battle, 'no battle was started (an earlier step failed)');
    const [res] = await Promise.all([page.waitForResponse(isVote), verdictButton(page, 'model_b').click()]);
    assert.equal(res.status(), 200, `vote failed: ${await res.text()}`);
    voteResult = await res.json();
    assert.ok(voteResult.stats && voteResult.stats.a && voteResult.stats.b, `the vote's answer has no stats: ${JSON.stringify(voteResult)}`);
    await waitForState(page, 'voted');
    assert.equal(await focusedId(page), 'new-round', 'focus did not move to "New round" after the reveal');
    for (const side of ['a', 'b']) {
      await assertVisible(page, `#stats-${side}`, 'after the reveal');
      const line = await text(page, `#stats-${side}`);
      assert.match(line, SPEED_OR_LENGTH, `#stats-${side} shows no speed or length: ${line}`);
      const tokens = voteResult.stats[side].completion_tokens;
      if (typeof tokens === 'number') assert.match(line, new RegExp(`\\b${tokens}\\b`), `#stats-${side} lacks the token count ${tokens}`);
    }
    await screenshot(page, 'failures-revealed.png');
  });

  test('a void first turn says why, and the new round keeps the prompt', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(voteResult, 'no vote was recorded (an earlier step failed)');
    await page.locator('#new-round').click();
    await waitForState(page, 'prompt');
    assert.equal(await page.locator('#prompt-input').inputValue(), '', 'the prompt box was not emptied after a vote');
    assert.equal(await focusedId(page), 'prompt-input', 'focus did not move to the prompt box');

    const prompt = 'What helps with jet lag?';
    await page.locator('#prompt-input').fill(prompt);
    const [res] = await Promise.all([page.waitForResponse(isCreateBattle), page.locator('#send').click()]);
    assert.equal(res.status(), 201, `POST /api/v1/battles: ${await res.text()}`);

    await waitForState(page, 'void');
    await assertVisible(page, '#void-reason', 'in a void battle');
    const reason = await text(page, '#void-reason');
    assert.ok(reason.length > 10, `the void reason is empty: ${JSON.stringify(reason)}`);
    assert.equal(await focusedId(page), 'new-round', 'focus did not move to "New round" after a void');
    await assertVoteButtons(page, false, 'in a void battle');
    await assertHidden(page, '#turn-failed', 'in a void battle');
    await screenshot(page, 'failures-void.png');

    await page.locator('#new-round').click();
    await waitForState(page, 'prompt');
    assert.equal(await page.locator('#prompt-input').inputValue(), prompt, 'the new round did not keep the prompt');
    assert.equal(await focusedId(page), 'prompt-input', 'focus did not move to the prompt box');
    assert.ok(await page.locator('#send').isEnabled(), '#send is disabled for the kept prompt');
  });

  test('no dialogs, page errors, CSP violations or missing assets', () => {
    // A failing model's stream still answers 200: nothing here is expected to fail.
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
