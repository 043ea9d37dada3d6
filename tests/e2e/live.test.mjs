// Browser end-to-end test of live battles: the voter's own prompt, answers
// streamed token by token, follow-up, regenerate, stop and vote, and a named
// ("side by side") battle between two models the voter chose.
//
// Runs against a server that is already running (started by the Rust test
// harness) at GOLDARENA_E2E_URL with live models behind a fake
// OpenAI-compatible upstream that streams every answer slowly (about ten
// chunks, 150 ms apart). Every fake answer contains the word "streamed" and
// two XSS probes (`<img src=x onerror=...>`, `<script>...</script>`) that
// must never run. Uses a system Chromium driven by playwright-core; see
// harness.mjs for the environment. Run with `node --test` from this
// directory.
//
// The steps depend on each other (one conversation grows turn by turn), so
// they run in order inside one suite on one page.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ASSET_TYPES,
  BASE_URL,
  TEST_TIMEOUT_MS,
  VERDICT_BUTTONS,
  assertBaseUrl,
  assertEnvironment,
  assertNoScriptRan,
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

const isArena = (r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/api/v1/arena';
const isTurn = isBattleAction('turns');
const isRegenerate = isBattleAction('regenerate');
const isStop = isBattleAction('stop');

/** Problems seen on the page: each one fails the last test. */
const problems = [];

async function assertVoteButtons(page, enabled, when) {
  for (const verdict of VERDICT_BUTTONS) {
    const isEnabled = await verdictButton(page, verdict).isEnabled();
    assert.equal(isEnabled, enabled, `vote button ${verdict} is ${isEnabled ? 'enabled' : 'disabled'} ${when}`);
  }
}

/** The battle JSON of a live battle with a pending last turn, and no model names. */
function assertPendingLiveBattle(b, turns) {
  assert.ok(b.id, 'the battle has no id');
  assert.equal(b.live, true, 'the battle is not live');
  assert.equal(b.pending, true, 'the battle has no pending answers');
  assert.equal(b.status, 'open');
  assert.ok(Array.isArray(b.turns), 'the battle has no turns');
  assert.equal(b.turns.length, turns, `the battle has ${b.turns.length} turns, expected ${turns}`);
  const last = b.turns[b.turns.length - 1];
  assert.equal(last.a, '', 'the pending answer A is not empty');
  assert.equal(last.b, '', 'the pending answer B is not empty');
  for (const key of ['model_a', 'model_b', 'model_a_display', 'model_b_display']) {
    assert.ok(!(key in b), `the battle response reveals ${key} before the vote`);
  }
}

/** Nothing names a model yet: the pane titles are the neutral ones. */
async function assertAnonymous(page) {
  for (const side of ['a', 'b']) {
    const letter = side.toUpperCase();
    assert.equal(await text(page, `#name-${side}`), `Model ${letter}`, `#name-${side} reveals a model before the vote`);
    assert.equal(await page.locator(`#slug-${side}`).isVisible(), false, `#slug-${side} is shown before the vote`);
  }
}

/** The answers of every turn, per pane, as [data-turn, text]. */
async function answers(page, side) {
  return page.locator(`#body-${side} .answer`).evaluateAll((els) =>
    els.map((el) => [el.getAttribute('data-turn'), el.textContent || '']),
  );
}

/** Both panes hold `turns` answers, turn 0 first, the last one finished and containing "streamed". */
async function assertAnswers(page, turns) {
  for (const side of ['a', 'b']) {
    const list = await answers(page, side);
    assert.deepEqual(
      list.map(([turn]) => turn),
      Array.from({ length: turns }, (_, i) => String(i)),
      `#body-${side} does not hold one .answer per turn`,
    );
    for (const [turn, content] of list) {
      assert.match(content, /streamed/, `#body-${side} answer ${turn} lacks "streamed": ${JSON.stringify(content)}`);
    }
  }
}

/** Visible, because the layout shows it: not only in the DOM. */
async function assertVisible(page, selector, when) {
  assert.ok(await page.locator(selector).isVisible(), `${selector} is not visible ${when}`);
}

async function assertHidden(page, selector, when) {
  assert.equal(await page.locator(selector).isVisible(), false, `${selector} is visible ${when}`);
}

/** Nothing visible states an answer's speed or length ("850 ms", "4.2 s", "40 tokens"). */
async function assertNoSpeedShown(page, when) {
  const shown = await page.evaluate(() => document.body.innerText);
  const match = shown.match(/\b\d+(?:[.,]\d+)?\s?(?:ms|s|sec)\b|\btokens?\b|first token/i);
  assert.equal(match, null, `the page shows speed or length ${when}: ${match && JSON.stringify(match[0])}`);
}

/** Take focus out of any text box, so that 1-4 are vote shortcuts. */
async function blur(page) {
  await page.evaluate(() => {
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
  });
}

// Outside the suite so that a missing setup is counted as a failure, not only
// as cancelled steps.
test('the e2e environment is set up', assertEnvironment);

describe('GoldArena live battles', { timeout: 10 * TEST_TIMEOUT_MS }, () => {
  let browser;
  let page; // one page for the whole conversation
  let battle; // the live battle of the first round
  let voteResult;

  before(async () => {
    assertBaseUrl();
    browser = await launchBrowser();
    const context = await newContext(browser);
    page = await context.newPage();
    // The answers stream over an EventSource: a failed stream is a missing asset too.
    watch(problems, page, 'live', { resourceTypes: [...ASSET_TYPES, 'eventsource'] });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('a live arena opens on the prompt box', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [arenaRes, nav] = await Promise.all([page.waitForResponse(isArena), page.goto(`${BASE_URL}/`)]);
    assert.equal(nav && nav.status(), 200, 'GET / failed');
    assert.equal(arenaRes.status(), 200, `GET /api/v1/arena: ${await arenaRes.text()}`);
    const info = await arenaRes.json();
    assert.equal(info.live && info.live.enabled, true, `the arena has no live models: ${JSON.stringify(info)}`);

    await waitForState(page, 'prompt');
    await assertVisible(page, '#prompt-form', 'while waiting for a prompt');
    await assertVisible(page, '#prompt-input', 'while waiting for a prompt');
    await assertVisible(page, '#random-question', 'in a live arena');
    assert.ok(await page.locator('#send').isDisabled(), '#send is enabled for an empty prompt');
    await assertHidden(page, '#stop', 'before any battle');
    await assertHidden(page, '#followup-form', 'before any battle');
    await assertHidden(page, '#regenerate', 'before any battle');
    await assertVoteButtons(page, false, 'while waiting for a prompt');
    if (info.live.max_prompt_chars) {
      assert.match(
        await text(page, '#prompt-count'),
        new RegExp(`${Number(info.live.max_prompt_chars).toLocaleString('en')}`),
        '#prompt-count does not show the limit',
      );
    }
  });

  test('a prompt gets two streamed anonymous answers', { timeout: TEST_TIMEOUT_MS }, async () => {
    const input = page.locator('#prompt-input');
    await input.click();
    await page.keyboard.type('Say hello');
    // Shift+Enter is a new line, not a send.
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('in two lines.');
    assert.equal(await input.inputValue(), 'Say hello\nin two lines.');
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'prompt', 'Shift+Enter sent the prompt');
    assert.ok(await page.locator('#send').isEnabled(), '#send is disabled for a typed prompt');

    const streamRequest = page.waitForRequest((r) => /^\/api\/v1\/battles\/[^/]+\/stream$/.test(new URL(r.url()).pathname));
    const [res] = await Promise.all([page.waitForResponse(isCreateBattle), page.locator('#send').click()]);
    assert.equal(res.status(), 201, `POST /api/v1/battles: ${await res.text()}`);
    assert.deepEqual(res.request().postDataJSON(), { prompt: 'Say hello\nin two lines.' });
    battle = await res.json();
    assertPendingLiveBattle(battle, 1);
    const stream = await streamRequest;
    assert.equal(new URL(stream.url()).pathname, `/api/v1/battles/${encodeURIComponent(battle.id)}/stream`);

    await waitForState(page, 'streaming');
    await assertVoteButtons(page, false, 'while the answers stream');
    await assertVisible(page, '#stop', 'while the answers stream');
    await assertHidden(page, '#followup-form', 'while the answers stream');
    await assertAnonymous(page);
    assert.match(await text(page, '#prompt'), /Say hello/, '#prompt does not show the prompt');

    await waitForState(page, 'ready');
    await assertAnswers(page, 1);
    await assertAnonymous(page);
    await assertVoteButtons(page, true, 'once both answers are done');
    await assertHidden(page, '#stop', 'once both answers are done');
    await assertVisible(page, '#followup-form', 'once both answers are done');
    await assertVisible(page, '#regenerate', 'once both answers are done');
    await assertHidden(page, '#new-round', 'before the vote');
    // Speed and length would give a model away: not before the vote.
    await assertNoSpeedShown(page, 'before the vote');
    await screenshot(page, 'live-ready.png');
  });

  test('a follow-up adds a second streamed turn', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(battle, 'no live battle was started (an earlier step failed)');
    await page.locator('#followup-input').fill('And now in French?');
    const [res] = await Promise.all([page.waitForResponse(isTurn), page.locator('#followup-send').click()]);
    assert.equal(res.status(), 201, `POST /turns: ${await res.text()}`);
    assert.deepEqual(res.request().postDataJSON(), { prompt: 'And now in French?' });
    const b = await res.json();
    assert.equal(b.id, battle.id, 'the follow-up answered another battle');
    assertPendingLiveBattle(b, 2);

    await waitForState(page, 'streaming');
    await assertVoteButtons(page, false, 'while the follow-up answers stream');
    await waitForState(page, 'ready');
    await assertAnswers(page, 2);
    for (const side of ['a', 'b']) {
      assert.match(await text(page, `#pane-${side}`), /And now in French\?/, `#pane-${side} does not show the follow-up prompt`);
    }
    assert.equal(await page.locator('#followup-input').inputValue(), '', 'the follow-up box was not emptied');
    await assertAnonymous(page);
  });

  test('regenerate rewrites the last answers', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(battle, 'no live battle was started (an earlier step failed)');
    const [res] = await Promise.all([page.waitForResponse(isRegenerate), page.locator('#regenerate').click()]);
    assert.equal(res.status(), 201, `POST /regenerate: ${await res.text()}`);
    const b = await res.json();
    assert.equal(b.id, battle.id, 'regenerate answered another battle');
    assertPendingLiveBattle(b, 2);

    await waitForState(page, 'streaming');
    await assertVoteButtons(page, false, 'while the regenerated answers stream');
    await waitForState(page, 'ready');
    await assertAnswers(page, 2);
    await assertAnonymous(page);
    await screenshot(page, 'live-two-turns.png');
  });

  test('the 1 key votes for A and reveals both models', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(battle, 'no live battle was started (an earlier step failed)');
    await blur(page);
    const [res] = await Promise.all([page.waitForResponse(isVote), page.keyboard.press('1')]);
    assert.equal(res.status(), 200, `vote failed: ${await res.text()}`);
    assert.deepEqual(res.request().postDataJSON(), { verdict: 'model_a' });
    voteResult = await res.json();
    assert.equal(voteResult.battle_id, battle.id);
    assert.equal(voteResult.verdict, 'model_a');
    assert.equal(typeof voteResult.counted, 'boolean', 'the vote response has no "counted"');

    await waitForState(page, 'voted');
    const nameA = await text(page, '#name-a');
    const nameB = await text(page, '#name-b');
    assert.ok(nameA.includes(voteResult.model_a_display), `#name-a (${nameA}) lacks ${voteResult.model_a_display}`);
    assert.ok(nameB.includes(voteResult.model_b_display), `#name-b (${nameB}) lacks ${voteResult.model_b_display}`);
    assert.notEqual(nameA, nameB);
    if (voteResult.counted) {
      await assertHidden(page, '#not-counted', 'for a counted vote');
    } else {
      await assertVisible(page, '#not-counted', 'for a vote that was not counted');
      if (voteResult.not_counted_detail) {
        assert.ok(
          (await text(page, '#not-counted')).includes(voteResult.not_counted_detail.replace(/[.!?]$/, '')),
          '#not-counted does not give the reason',
        );
      }
    }
    // Now, and only now, each answer's speed and length.
    assert.ok(voteResult.stats && voteResult.stats.a && voteResult.stats.b, `the vote's answer has no stats: ${JSON.stringify(voteResult)}`);
    for (const side of ['a', 'b']) {
      await assertVisible(page, `#stats-${side}`, 'after the reveal');
      assert.match(await text(page, `#stats-${side}`), /tokens?|\bs\b|ms/, `#stats-${side} shows no speed or length`);
    }
    await assertVoteButtons(page, false, 'after the vote');
    await assertHidden(page, '#followup-form', 'after the vote');
    await assertHidden(page, '#regenerate', 'after the vote');
    await assertVisible(page, '#new-round', 'after the vote');
  });

  test('stop cuts a new round short, and it can still be voted on', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(voteResult, 'no vote was recorded (an earlier step failed)');
    await page.locator('#new-round').click();
    await waitForState(page, 'prompt');
    assert.equal(await page.locator('#prompt-input').inputValue(), '', 'the prompt box was not emptied');
    await assertAnonymous(page);
    await assertHidden(page, '#stats-a', 'in a new round');

    // Enter sends.
    await page.locator('#prompt-input').fill('Count slowly to one hundred.');
    const [res] = await Promise.all([page.waitForResponse(isCreateBattle), page.locator('#prompt-input').press('Enter')]);
    assert.equal(res.status(), 201, `POST /api/v1/battles: ${await res.text()}`);
    const second = await res.json();
    assertPendingLiveBattle(second, 1);
    assert.notEqual(second.id, battle.id, 'New round continued the old battle');

    await waitForState(page, 'streaming');
    const [stopRes] = await Promise.all([page.waitForResponse(isStop), page.locator('#stop').click()]);
    assert.equal(stopRes.status(), 200, `POST /stop: ${await stopRes.text()}`);

    // Stopped answers count as done.
    await waitForState(page, 'ready');
    const reasons = await page
      .locator('#body-a .answer, #body-b .answer')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-finish-reason')));
    assert.equal(reasons.length, 2, 'the panes do not hold one answer each');
    assert.ok(reasons.includes('stopped'), `no answer was stopped (finish reasons ${JSON.stringify(reasons)})`);

    const [voteRes] = await Promise.all([page.waitForResponse(isVote), verdictButton(page, 'tie').click()]);
    assert.equal(voteRes.status(), 200, `vote failed: ${await voteRes.text()}`);
    assert.deepEqual(voteRes.request().postDataJSON(), { verdict: 'tie' });
    await waitForState(page, 'voted');
    const tie = await voteRes.json();
    assert.ok((await text(page, '#name-a')).includes(tie.model_a_display), '#name-a is not revealed');
    assert.ok((await text(page, '#name-b')).includes(tie.model_b_display), '#name-b is not revealed');
    await screenshot(page, 'live-stopped-voted.png');
  });

  test('no script from model content ran', { timeout: TEST_TIMEOUT_MS }, async () => {
    await assertNoScriptRan(page, problems);
  });

  test('a named battle shows the chosen models from the start, and its vote is not counted', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(voteResult, 'no vote was recorded (an earlier step failed)');
    const arenaRes = await page.request.get(`${BASE_URL}/api/v1/arena`);
    assert.equal(arenaRes.status(), 200, `GET /api/v1/arena: ${await arenaRes.text()}`);
    const choices = (await arenaRes.json()).live.choices;
    assert.ok(Array.isArray(choices), 'the arena lists no live.choices');
    const display = (name) => {
      const c = choices.find((x) => x.name === name);
      assert.ok(c, `the arena does not list the live model ${name}: ${JSON.stringify(choices)}`);
      return c.display_name || c.name;
    };
    const [left, right] = [display('left'), display('right')];

    await page.locator('#new-round').click();
    await waitForState(page, 'prompt');
    await assertAnonymous(page);
    // Anonymous is the default: the selects show only once named mode is on.
    await assertVisible(page, '#named-toggle', 'in an arena with two live models');
    assert.equal(await page.locator('#named-toggle').isChecked(), false, 'named mode is on by default');
    await assertHidden(page, '#model-a-select', 'in anonymous mode');
    await assertHidden(page, '#model-b-select', 'in anonymous mode');
    await page.locator('#named-toggle').check();
    await assertVisible(page, '#model-a-select', 'in named mode');
    await assertVisible(page, '#model-b-select', 'in named mode');
    const options = await page
      .locator('#model-a-select option')
      .evaluateAll((els) => els.map((o) => [o.value, o.textContent]));
    for (const c of choices) {
      assert.ok(
        options.some(([value, label]) => value === c.name && label === (c.display_name || c.name)),
        `#model-a-select has no option for ${c.name}: ${JSON.stringify(options)}`,
      );
    }

    await page.locator('#prompt-input').fill('Which model are you?');
    assert.ok(await page.locator('#send').isDisabled(), '#send is enabled before the models are chosen');
    await page.locator('#model-a-select').selectOption('left');
    await page.locator('#model-b-select').selectOption('left');
    assert.ok(await page.locator('#send').isDisabled(), '#send is enabled for the same model twice');
    await page.locator('#model-b-select').selectOption('right');
    assert.ok(await page.locator('#send').isEnabled(), '#send is disabled for two different models');
    await screenshot(page, 'live-named-prompt.png');

    const [res] = await Promise.all([page.waitForResponse(isCreateBattle), page.locator('#send').click()]);
    assert.equal(res.status(), 201, `POST /api/v1/battles: ${await res.text()}`);
    assert.deepEqual(res.request().postDataJSON(), {
      prompt: 'Which model are you?',
      mode: 'named',
      model_a: 'left',
      model_b: 'right',
    });
    const named = await res.json();
    assert.equal(named.mode, 'named');
    assert.equal(named.model_a, 'left');
    assert.equal(named.model_b, 'right');
    assert.notEqual(named.id, battle.id);

    await waitForState(page, 'ready');
    await assertAnswers(page, 1);
    const nameA = await text(page, '#name-a');
    const nameB = await text(page, '#name-b');
    assert.ok(nameA.includes(left), `#name-a (${nameA}) does not name ${left} before the vote`);
    assert.ok(nameB.includes(right), `#name-b (${nameB}) does not name ${right} before the vote`);
    await assertVisible(page, '#named-notice', 'in a named battle');
    assert.match(await text(page, '#named-notice'), /not counted/i, '#named-notice does not say the vote is not counted');
    await assertVoteButtons(page, true, 'once both answers of the named battle are done');

    const [voteRes] = await Promise.all([page.waitForResponse(isVote), verdictButton(page, 'model_b').click()]);
    assert.equal(voteRes.status(), 200, `vote failed: ${await voteRes.text()}`);
    const v = await voteRes.json();
    assert.equal(v.counted, false, 'the vote on a named battle was counted');
    await waitForState(page, 'voted');
    await assertVisible(page, '#not-counted', 'after a vote on a named battle');
    const notCounted = await text(page, '#not-counted');
    assert.match(notCounted, /not counted/i, `#not-counted does not say so: ${notCounted}`);
    if (v.not_counted_detail) {
      assert.ok(notCounted.includes(v.not_counted_detail.replace(/[.!?]$/, '')), '#not-counted does not give the reason');
    }
    assert.ok((await text(page, '#name-a')).includes(left), '#name-a lost its model after the vote');
    assert.ok((await text(page, '#name-b')).includes(right), '#name-b lost its model after the vote');
    assert.equal(await page.evaluate(() => typeof window.__xss), 'undefined', 'window.__xss was set');
    await screenshot(page, 'live-named-voted.png');
  });

  test('no dialogs, page errors, CSP violations or missing assets', () => {
    assert.deepEqual(problems, []);
  });
});
