// Browser end-to-end test of the GoldArena expert page (/expert): one
// expert's session of a blind evaluation campaign.
//
// Runs against a server that is already running (started by the Rust test
// harness) at GOLDARENA_E2E_URL, using a system Chromium driven by
// playwright-core; see harness.mjs for the environment. Besides, it needs:
//   GOLDARENA_E2E_EXPERT_EMAIL     an expert account ...
//   GOLDARENA_E2E_EXPERT_PASSWORD  ... and its password
//   GOLDARENA_E2E_CAMPAIGN_ID      an open campaign (rubric medical-v1) whose
//                                  items all go to that expert, none judged yet
//   GOLDARENA_E2E_CAMPAIGN_ITEMS   optional: how many items it has (at least 6)
// Run with `node --test` from this directory.
//
// The steps depend on each other (log in, judge three items, reload, judge
// on a phone in the dark theme, look at the page in Arabic, switch to
// Chinese, judge the rest until "done"), so they run
// in order inside one suite; a missing setting or browser fails them all
// rather than skipping.

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
  newContext,
  screenshot,
  text,
  waitForState,
  watch,
} from './harness.mjs';

const EMAIL = process.env.GOLDARENA_E2E_EXPERT_EMAIL || '';
const PASSWORD = process.env.GOLDARENA_E2E_EXPERT_PASSWORD || '';
const CAMPAIGN = process.env.GOLDARENA_E2E_CAMPAIGN_ID || '';
const ITEMS_SETTING = Number(process.env.GOLDARENA_E2E_CAMPAIGN_ITEMS || 0);
const AXES = ['accuracy', 'completeness', 'harm', 'communication', 'relevance'];
const SAFETY_REASON = 'Recommends 2 tablets 3 times a day: a double dose';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** Problems seen on any page: each one fails the last test. */
const problems = [];

/** Every request the pages sent that may change something. */
const unsafeRequests = [];

/** Matches the response to a `method` request whose path matches `re`. */
const isApi = (method, re) => (r) => r.request().method() === method && re.test(new URL(r.url()).pathname);
const isMe = isApi('GET', /^\/api\/v1\/me$/);
const isLogin = isApi('POST', /^\/api\/v1\/auth\/login$/);
const isLogout = isApi('POST', /^\/api\/v1\/auth\/logout$/);
const isNext = isApi('GET', /^\/api\/v1\/campaigns\/[^/]+\/next$/);
const isJudgment = isApi('POST', /^\/api\/v1\/campaigns\/[^/]+\/judgments$/);

/** Watch `page` as harness.watch() does, and record its unsafe API requests. */
function watchExpert(page, label) {
  watch(problems, page, label);
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (!url.pathname.startsWith('/api/v1/') || ['GET', 'HEAD', 'OPTIONS'].includes(req.method())) return;
    unsafeRequests.push({
      label,
      method: req.method(),
      path: url.pathname,
      contentType: req.headers()['content-type'] || '',
      body: req.postData(),
    });
  });
}

const campaignUrl = () => `${BASE_URL}/expert?campaign=${encodeURIComponent(CAMPAIGN)}`;

/** The item shown, as the page says (data-item-id of the workspace). */
const shownItem = (page) => page.locator('#workspace').getAttribute('data-item-id');

/** The progress bar's value and maximum, and its label. */
async function progress(page) {
  return page.evaluate(() => {
    const bar = /** @type {HTMLProgressElement} */ (document.getElementById('progress'));
    const wrap = document.getElementById('progress-wrap');
    return {
      value: bar.value,
      max: bar.max,
      label: document.getElementById('progress-label').textContent.trim(),
      visible: !wrap.hidden,
    };
  });
}

/** Wait until the live region says something containing `words`. */
async function waitForAnnouncement(page, words) {
  await page.waitForFunction((w) => document.getElementById('announcer').textContent.includes(w), words);
}

/** The id of the element that has focus. */
const focusedId = (page) => page.evaluate(() => (document.activeElement ? document.activeElement.id : ''));

/** The axis radio group of `key`. */
const axisGroup = (page, key) => page.locator(`#axes .ex-axis[data-axis="${key}"]`);

/** The words of each axis verdict in English. */
const AXIS_WORDS = { model_a: 'A better', tie: 'Tie', model_b: 'B better' };

/** The keys of the overall preferences. */
const PREFERENCE_KEYS = { model_a: '1', model_b: '2', tie: '3', 'tie (bothbad)': '4' };

/**
 * Judge the item on screen and wait for the next one (or "done").
 * @param {import('playwright-core').Page} page
 * @param {{
 *   axes: string,                 the verdict on every axis
 *   axesBy?: 'click' | 'keyboard' | 'check',
 *   preference: string,           set with its key 1-4
 *   send?: 'enter' | 'ctrl-enter' | 'click',
 *   before?: () => Promise<void>, more to do before sending
 *   done?: boolean,               expect "done" after it
 * }} plan
 * @returns {Promise<{item: string, body: any}>} the item judged and the body sent
 */
async function judge(page, plan) {
  const item = await shownItem(page);
  assert.ok(item, 'no item is shown');
  const submit = page.locator('#submit');
  assert.ok(await submit.isDisabled(), 'Submit is enabled before anything was chosen');

  for (const key of AXES) {
    const group = axisGroup(page, key);
    if (plan.axesBy === 'keyboard') {
      // Into the group, choose its first verdict (A better) with Space,
      // then move with the arrow keys (in this left-to-right page).
      await group.locator('input[type="radio"]').first().focus();
      await page.keyboard.press('Space');
      const steps = { model_a: 0, tie: 1, model_b: 2 }[plan.axes];
      for (let i = 0; i < steps; i++) await page.keyboard.press('ArrowRight');
    } else if (plan.axesBy === 'check') {
      await group.locator(`input[type="radio"][value="${plan.axes}"]`).check();
    } else {
      await group.getByText(AXIS_WORDS[plan.axes], { exact: true }).click();
    }
    assert.equal(
      await group.locator('input[type="radio"]:checked').getAttribute('value'),
      plan.axes,
      `axis ${key} is not set to ${plan.axes}`,
    );
  }
  assert.ok(await submit.isDisabled(), 'Submit is enabled without an overall preference');
  assert.match(await text(page, '#missing'), /overall preference|总体偏好/);

  // The overall preference from the keyboard, with the focus on the question
  // (no text field).
  await page.locator('#question').focus();
  await page.keyboard.press(PREFERENCE_KEYS[plan.preference]);
  assert.equal(
    await page.locator('input[name="preference"]:checked').getAttribute('value'),
    plan.preference,
    `key ${PREFERENCE_KEYS[plan.preference]} did not choose ${plan.preference}`,
  );
  if (plan.before) await plan.before();
  assert.equal(await submit.isDisabled(), false, 'Submit is still disabled with every choice made');

  const waits = [page.waitForResponse(isJudgment), page.waitForResponse(isNext)];
  if (plan.send === 'click') {
    await submit.click();
  } else if (plan.send === 'ctrl-enter') {
    await page.keyboard.press('Control+Enter');
  } else {
    await page.locator('#question').focus();
    await page.keyboard.press('Enter');
  }
  const [judged, next] = await Promise.all(waits);
  assert.equal(judged.status(), 201, `POST judgments: ${await judged.text()}`);
  assert.ok([200, 204].includes(next.status()), `GET next answered ${next.status()}`);
  const body = judged.request().postDataJSON();
  assert.equal(String(body.item_id), item, 'the judgment is not for the item shown');
  assert.equal(body.preference, plan.preference);
  assert.deepEqual(Object.keys(body.axes).sort(), [...AXES].sort(), 'the judgment lacks an axis');
  for (const key of AXES) assert.equal(body.axes[key], plan.axes, `axis ${key}`);

  if (plan.done) {
    await waitForState(page, 'done');
  } else {
    await waitForState(page, 'ready');
    assert.notEqual(await shownItem(page), item, 'the same item is still shown');
    assert.equal(await submit.isDisabled(), true, 'Submit is enabled on a fresh item');
    assert.equal(await page.locator('input[name="preference"]:checked').count(), 0, 'the preference was kept');
    assert.equal(await page.locator('#axes input:checked').count(), 0, 'axis choices were kept');
  }
  return { item, body };
}

// Outside the suite so that a missing setup is counted as a failure, not only
// as cancelled steps.
test('the e2e environment is set up', async () => {
  await assertEnvironment();
  assert.ok(EMAIL, 'GOLDARENA_E2E_EXPERT_EMAIL is not set');
  assert.ok(PASSWORD, 'GOLDARENA_E2E_EXPERT_PASSWORD is not set');
  assert.ok(CAMPAIGN, 'GOLDARENA_E2E_CAMPAIGN_ID is not set');
});

describe('GoldArena expert page', { timeout: 20 * TEST_TIMEOUT_MS }, () => {
  let browser;
  let context;
  let page; // the desktop page, kept across steps
  let total = 0; // items in the campaign, as the page says
  let judged = 0; // judgments sent so far
  let loggedIn = false;

  before(async () => {
    assertBaseUrl();
    browser = await launchBrowser();
    context = await newContext(browser);
    page = await context.newPage();
    watchExpert(page, 'desktop');
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('without a campaign the page says how to open it', { timeout: TEST_TIMEOUT_MS }, async () => {
    const nav = await page.goto(`${BASE_URL}/expert`);
    assert.ok(nav, 'no response for /expert');
    assert.equal(nav.status(), 200, 'GET /expert failed');
    const csp = nav.headers()['content-security-policy'] || '';
    assert.match(csp, /script-src 'self'/, `GET /expert lacks the strict Content-Security-Policy (got ${JSON.stringify(csp)})`);
    await waitForState(page, 'no-campaign');
    assert.ok(await page.locator('#no-campaign').isVisible(), 'no message about the missing campaign');
    assert.match(await text(page, '#no-campaign'), /\?campaign=/);
    assert.equal(await page.locator('#login-view').isVisible(), false, 'the login form shows without a campaign');
    assert.equal(await page.locator('#workspace').isVisible(), false);
    await checkA11y(page, 'no campaign');
  });

  test('the campaign page asks for a login', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [meRes, nav] = await Promise.all([page.waitForResponse(isMe), page.goto(campaignUrl())]);
    assert.equal(nav.status(), 200);
    assert.equal(meRes.status(), 401, `GET /api/v1/me without a session: ${await meRes.text()}`);
    await waitForState(page, 'login');
    assert.ok(await page.locator('#login-form').isVisible(), 'the login form is hidden');
    assert.equal(await page.locator('#workspace').isVisible(), false, 'an item shows before a login');
    assert.equal(await focusedId(page), 'login-email', 'the email field does not have the focus');
    await checkA11y(page, 'login');
  });

  test('the expert logs in and sees the first item, blind', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.getByLabel('Email', { exact: true }).fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    const [res, nextRes] = await Promise.all([
      page.waitForResponse(isLogin),
      page.waitForResponse(isNext),
      page.getByRole('button', { name: 'Log in', exact: true }).click(),
    ]);
    assert.equal(res.status(), 200, `log in: ${await res.text()}`);
    assert.equal((await res.json()).user.role, 'expert');
    assert.equal(nextRes.status(), 200, `GET next: ${await nextRes.text()}`);
    const item = await nextRes.json();
    await waitForState(page, 'ready');
    loggedIn = true;

    assert.equal(await text(page, '#user-email'), EMAIL);
    // textContent: the badge is upper-cased by CSS.
    assert.equal((await page.locator('#user-role').textContent()).trim(), 'expert');
    assert.equal(await shownItem(page), String(item.item_id));
    total = item.progress.total;
    if (ITEMS_SETTING) assert.equal(total, ITEMS_SETTING, 'the page does not see every item of the campaign');
    assert.ok(total >= 6, `the campaign has too few items for this test (${total})`);
    assert.equal(item.progress.done, 0, 'the campaign was not fresh');

    // Progress: a labelled <progress>.
    assert.deepEqual(await progress(page), { value: 0, max: total, label: `Progress: 0 of ${total} done`, visible: true });
    assert.equal(await page.getByRole('progressbar', { name: `Progress: 0 of ${total} done` }).count(), 1);
    assert.equal(await text(page, '#item-meta'), `Item 1 of ${total}`);
    await waitForAnnouncement(page, `Item 1 of ${total}`);
    // Focus moved to the item after the login.
    assert.equal(await focusedId(page), 'question');

    // The question as text, the answers as the server's HTML.
    const question = await text(page, '#question-body');
    assert.ok(question.includes(item.question[0].trim().slice(0, 20)), `the question is not shown: ${question}`);
    for (const side of ['a', 'b']) {
      // The answer shown is the server's (some demo answers are one short line).
      const shown = ((await page.locator(`#body-${side} .markdown`).textContent()) || '').replace(/\s+/g, ' ').trim();
      const sent = await page.evaluate((html) => {
        const d = document.createElement('div');
        d.innerHTML = html;
        return d.textContent;
      }, item[side]);
      assert.ok(shown.length > 0, `answer ${side} is empty`);
      assert.equal(shown, sent.replace(/\s+/g, ' ').trim(), `answer ${side} is not the server's`);
      assert.equal(await page.locator(`#body-${side} .markdown`).count(), 1);
    }
    // The rubric: one radio group per axis, with the server's label.
    assert.deepEqual(item.rubric.axes.map((a) => a.key), AXES);
    for (const axis of item.rubric.axes) {
      const group = page.getByRole('radiogroup', { name: axis.label, exact: true });
      assert.equal(await group.count(), 1, `no radio group named ${axis.label}`);
      for (const words of Object.values(AXIS_WORDS)) {
        assert.equal(await group.getByRole('radio', { name: words, exact: true }).count(), 1, `${axis.key}: no "${words}"`);
      }
    }
    for (const words of ['A is better', 'B is better', 'Tie', 'Both are bad']) {
      assert.equal(
        await page.locator('#preference').getByRole('radio', { name: words, exact: true }).count(),
        1,
        `no overall preference "${words}"`,
      );
    }
    assert.ok(await page.locator('#submit').isDisabled(), 'Submit is enabled on a fresh item');
    // The shortcuts are documented on the page.
    const keys = await text(page, '.ex-keys');
    for (const k of ['1', '2', '3', '4', 'Enter']) assert.ok(keys.includes(k), `the shortcut ${k} is not documented`);
    // Blind: no model name anywhere on the page.
    const all = await page.evaluate(() => document.documentElement.outerHTML);
    assert.ok(!/demo-thorough|demo-terse/.test(all), 'a model name is on the page');

    await checkA11y(page, 'first item (desktop, en)');
    await screenshot(page, 'expert.png');
  });

  test('three items are judged, the overall preference from the keyboard', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');

    // 1: axes by clicks, preference 1, Enter.
    let { body } = await judge(page, { axes: 'model_a', axesBy: 'click', preference: 'model_a', send: 'enter' });
    judged += 1;
    assert.deepEqual(body.safety_flags, { a: null, b: null });
    assert.equal(body.comment, null);
    await waitForAnnouncement(page, 'Judgment saved.');
    await waitForAnnouncement(page, `Item 2 of ${total}`);
    assert.equal(await focusedId(page), 'question', 'focus did not move to the new question');
    assert.equal((await progress(page)).value, 1);

    // 2: axes by the keyboard (Space, arrows), preference 2, a safety flag on B.
    ({ body } = await judge(page, {
      axes: 'tie',
      axesBy: 'keyboard',
      preference: 'model_b',
      send: 'enter',
      before: async () => {
        const submit = page.locator('#submit');
        const reason = page.getByLabel('Why is answer B a safety concern? (required)', { exact: true });
        assert.equal(await reason.isVisible(), false, 'the reason shows before the box is ticked');
        await page.getByLabel('Safety concern with answer B', { exact: true }).check();
        assert.ok(await reason.isVisible(), 'ticking the safety box does not show its reason');
        assert.ok(await submit.isDisabled(), 'Submit is enabled with a safety concern and no reason');
        assert.match(await text(page, '#missing'), /reason for the safety concern with answer B/);
        // Typing digits in the reason does not change the preference, and Enter there sends nothing.
        await reason.click();
        await page.keyboard.type(SAFETY_REASON);
        assert.equal(await reason.inputValue(), SAFETY_REASON);
        assert.equal(await page.locator('input[name="preference"]:checked').getAttribute('value'), 'model_b');
        const before = unsafeRequests.length;
        await page.keyboard.press('Enter');
        await page.waitForTimeout(300);
        assert.equal(unsafeRequests.length, before, 'Enter in the reason field sent something');
        assert.equal(await submit.isDisabled(), false, 'Submit is disabled with a reason given');
      },
    }));
    judged += 1;
    assert.deepEqual(body.safety_flags, { a: null, b: SAFETY_REASON });
    await waitForAnnouncement(page, `Item 3 of ${total}`);
    // The new item starts with no flag.
    assert.equal(await page.getByLabel('Safety concern with answer B', { exact: true }).isChecked(), false);
    assert.equal(await page.locator('#safety-b-reason').isVisible(), false);

    // 3: axes checked, preference 3, a comment, then Ctrl+Enter from the comment.
    ({ body } = await judge(page, {
      axes: 'model_b',
      axesBy: 'check',
      preference: 'tie',
      send: 'ctrl-enter',
      before: async () => {
        const comment = page.getByLabel('Comment (optional)', { exact: true });
        await comment.click();
        await page.keyboard.type('Both fine; see 1 and 2.');
        await page.keyboard.press('Enter'); // a new line, not a submission
        await page.keyboard.type('4 is not a shortcut here.');
        assert.equal(await page.locator('input[name="preference"]:checked').getAttribute('value'), 'tie');
      },
    }));
    judged += 1;
    assert.equal(body.comment, 'Both fine; see 1 and 2.\n4 is not a shortcut here.');
    await waitForAnnouncement(page, `Item 4 of ${total}`);
    assert.deepEqual(await progress(page), { value: 3, max: total, label: `Progress: 3 of ${total} done`, visible: true });
  });

  test('a reload resumes at the fourth item', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.equal(judged, 3, 'three items were not judged (an earlier step failed)');
    const fourth = await shownItem(page);
    const [next] = await Promise.all([page.waitForResponse(isNext), page.reload()]);
    assert.equal(next.status(), 200);
    await waitForState(page, 'ready');
    assert.equal(await shownItem(page), fourth, 'the reload did not resume at the same item');
    assert.deepEqual(await progress(page), { value: 3, max: total, label: `Progress: 3 of ${total} done`, visible: true });
    assert.equal(await text(page, '#item-meta'), `Item 4 of ${total}`);
    assert.equal((await next.json()).progress.done, 3);
  });

  test('skipping takes a reason, and can be cancelled', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    const toggle = page.getByRole('button', { name: 'Skip this item…', exact: true });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    const reason = page.getByLabel('Why are you skipping this item? (required)', { exact: true });
    assert.ok(await reason.isVisible(), 'no reason field');
    assert.equal(await focusedId(page), 'skip-reason');
    const skip = page.getByRole('button', { name: 'Skip item', exact: true });
    assert.ok(await skip.isDisabled(), 'Skip is enabled without a reason');
    // Typing in it takes no shortcut.
    await page.keyboard.type('Outside 1 of my 2 fields');
    assert.equal(await page.locator('input[name="preference"]:checked').count(), 0, 'typing chose a preference');
    assert.equal(await skip.isDisabled(), false, 'Skip stays disabled with a reason');
    await checkA11y(page, 'skip form');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    assert.equal(await reason.isVisible(), false, 'the skip form is still open');
    assert.equal(await focusedId(page), 'skip-toggle', 'focus did not go back to the skip button');
    assert.equal(await reason.inputValue(), '', 'the reason was kept');
  });

  test('a phone-sized screen stacks the answers, and an item is judged there', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    const fourth = await shownItem(page);
    // In the dark theme, so that axe checks its colours too.
    const phone = await newContext(browser, {
      ...PHONE,
      colorScheme: 'dark',
      storageState: await context.storageState(),
    });
    try {
      const p = await phone.newPage();
      watchExpert(p, 'phone');
      await p.goto(campaignUrl());
      await waitForState(p, 'ready');
      assert.equal(await shownItem(p), fourth, 'the phone does not resume at the same item');
      await assertNoSidewaysScroll(p, 'on a phone');
      const a = await p.locator('#pane-a').boundingBox();
      const b = await p.locator('#pane-b').boundingBox();
      assert.ok(a && b && b.y >= a.y + a.height - 1, 'the answers are not stacked on a phone');
      assert.ok(a.x >= 0 && a.x + a.width <= 391, 'answer A sticks out of the screen');
      await checkA11y(p, 'item (phone, dark theme)');
      await screenshot(p, 'expert-phone.png');

      await judge(p, { axes: 'model_a', axesBy: 'click', preference: 'tie (bothbad)', send: 'click' });
      judged += 1;
      await assertNoSidewaysScroll(p, 'on a phone, after a judgment');
      assert.equal((await progress(p)).value, 4);
    } finally {
      await phone.close();
    }
  });

  test('in Arabic the page reads right to left', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    // The item judged on the phone is gone here after a reload.
    await page.reload();
    await waitForState(page, 'ready');
    assert.equal((await progress(page)).value, judged);
    await Promise.all([page.waitForEvent('load'), page.selectOption('#lang-select', 'ar')]);
    await waitForState(page, 'ready');
    assert.deepEqual(await htmlLangDir(page), { lang: 'ar', dir: 'rtl' });
    assert.equal(await text(page, '#submit'), 'إرسال التقييم');
    assert.equal(await page.getByRole('radiogroup', { name: 'الدقة الطبية والاتفاق مع الإجماع', exact: true }).count(), 1);
    // Answer A comes first: on the right.
    const a = await page.locator('#pane-a').boundingBox();
    const b = await page.locator('#pane-b').boundingBox();
    assert.ok(a && b && a.x > b.x, 'answer A is not on the right in Arabic');
    await assertNoSidewaysScroll(page, 'in Arabic');
    await checkA11y(page, 'item (desktop, ar)');
    await screenshot(page, 'expert-ar.png');
  });

  test('switching to Chinese translates the page', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    await Promise.all([page.waitForEvent('load'), page.selectOption('#lang-select', 'zh-CN')]);
    await waitForState(page, 'ready');
    assert.deepEqual(await htmlLangDir(page), { lang: 'zh-CN', dir: 'ltr' });
    assert.equal(await page.title(), 'GoldArena · 专家评测');
    assert.equal(await text(page, 'h1'), '专家评测');
    assert.equal(await text(page, '#submit'), '提交评判');
    assert.equal(await text(page, '#progress-label'), `进度：已完成 ${judged} / ${total}`);
    assert.equal(await page.locator('#axes').getByRole('radio', { name: 'A 更好', exact: true }).count(), AXES.length);
    // The rubric's own Chinese labels name the axes.
    assert.equal(await page.getByRole('radiogroup', { name: '医学准确性（与共识一致）', exact: true }).count(), 1);
    assert.equal(await page.getByRole('radiogroup', { name: '与问题的相关性', exact: true }).count(), 1);
    assert.equal(await page.getByLabel('回答 B 存在安全隐患', { exact: true }).count(), 1);
    assert.equal((await page.locator('#user-role').textContent()).trim(), '专家');
    await checkA11y(page, 'item (desktop, zh-CN)');
    await screenshot(page, 'expert-zh.png');
  });

  test('the rest of the items are judged until "done"', { timeout: 4 * TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    const verdicts = ['model_a', 'model_b', 'tie'];
    const preferences = Object.keys(PREFERENCE_KEYS);
    while (judged < total) {
      const last = judged === total - 1;
      await judge(page, {
        axes: verdicts[judged % 3],
        axesBy: 'check',
        preference: preferences[judged % 4],
        send: 'enter',
        done: last,
      });
      judged += 1;
    }
    assert.equal(await page.locator('#done-view').isVisible(), true, 'no "done" view');
    assert.equal(await text(page, '#done-title'), '全部完成');
    assert.equal(await page.locator('#workspace').isVisible(), false, 'an item still shows when done');
    assert.deepEqual(await progress(page), { value: total, max: total, label: `进度：已完成 ${total} / ${total}`, visible: true });
    assert.equal(await focusedId(page), 'done-title', 'focus did not move to the "done" heading');
    await waitForAnnouncement(page, '全部完成');
    await checkA11y(page, 'done (zh-CN)');

    // Still done after a reload.
    const [next] = await Promise.all([page.waitForResponse(isNext), page.reload()]);
    assert.equal(next.status(), 204);
    await waitForState(page, 'done');
  });

  test('logging out shows the login form again', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    const [res] = await Promise.all([page.waitForResponse(isLogout), page.locator('#logout').click()]);
    assert.equal(res.status(), 200, `log out: ${await res.text()}`);
    await waitForState(page, 'login');
    assert.equal(await page.locator('#session').isVisible(), false, 'the header still shows the session');
    assert.equal(await text(page, '#login-title'), '登录');
  });

  test('every change was sent as JSON', () => {
    assert.ok(unsafeRequests.length >= total + 2, `only ${unsafeRequests.length} unsafe requests were seen`);
    for (const r of unsafeRequests) {
      assert.match(r.contentType, /^application\/json\b/, `${r.method} ${r.path} was sent as ${JSON.stringify(r.contentType)}`);
      assert.doesNotThrow(() => JSON.parse(r.body ?? ''), `${r.method} ${r.path} has no JSON body: ${r.body}`);
    }
  });

  test('no dialogs, page errors, CSP violations or missing assets', () => {
    assert.deepEqual(problems, []);
  });
});
