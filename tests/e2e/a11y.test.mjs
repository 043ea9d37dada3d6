// Browser end-to-end test of the voter pages in English, Chinese and
// Arabic: axe-core on every page and state (arena idle, battle shown,
// revealed; leaderboard on a desktop and a 360 px phone; operator login),
// right to left in Arabic with A and B keeping their meaning, the language
// chosen from the browser's languages (Accept-Language) or the switcher,
// `lang` and `dir` on the content from the battle's language, the focus
// ring's contrast in the light and the dark theme, and nothing hidden
// behind the sticky vote bar.
//
// Runs against a server that is already running (started by the Rust test
// harness) at GOLDARENA_E2E_URL with two live models behind a fake
// OpenAI-compatible upstream; every answer contains the word "streamed"
// and a link. Uses a system Chromium driven by playwright-core; see
// harness.mjs.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ASSET_TYPES,
  BASE_URL,
  PHONE_360,
  TEST_TIMEOUT_MS,
  UI_LOCALES,
  assertBaseUrl,
  assertEnvironment,
  assertNoSidewaysScroll,
  axeFindings,
  htmlLangDir,
  isCreateBattle,
  isVote,
  launchBrowser,
  localeContext,
  screenshot,
  text,
  verdictButton,
  waitForState,
  watch,
} from './harness.mjs';

/** A Chinese prompt: the server detects its language as Chinese ("cmn"). */
const CHINESE_PROMPT = '高血压患者平时饮食需要注意什么？请详细说明。';

/** Words each interface language uses on the arena, to tell that it is translated. */
const ARENA_TITLE = { en: 'Which answer is better?', 'zh-CN': '哪个回答更好？', ar: 'أي الإجابتين أفضل؟' };

/** Problems seen on any page: each one fails the last test. */
const problems = [];

/**
 * Open the arena in a context whose browser speaks `locale`, play one live
 * battle on `prompt` and vote with the keyboard; run axe at each state.
 * Returns the page (still open) and axe's findings.
 */
async function playBattle(context, locale, label, prompt = CHINESE_PROMPT) {
  const found = [];
  const page = await context.newPage();
  watch(problems, page, label, { resourceTypes: [...ASSET_TYPES, 'eventsource'] });
  await page.goto(`${BASE_URL}/`);
  await waitForState(page, 'prompt');
  assert.equal(await text(page, 'h1'), ARENA_TITLE[locale], `the arena is not in ${locale}`);
  found.push(...(await axeFindings(page, `${label}: arena idle`)));

  await page.locator('#prompt-input').fill(prompt);
  const [res] = await Promise.all([page.waitForResponse(isCreateBattle), page.locator('#send').click()]);
  assert.equal(res.status(), 201, `POST /api/v1/battles: ${await res.text()}`);
  await waitForState(page, 'ready');
  found.push(...(await axeFindings(page, `${label}: battle shown`)));
  return { page, found, battle: await res.json() };
}

/** Vote with the "1" key (A is better) and wait for the reveal. */
async function voteWithKeyOne(page) {
  await page.evaluate(() => {
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
  });
  const [res] = await Promise.all([page.waitForResponse(isVote), page.keyboard.press('1')]);
  assert.equal(res.status(), 200, `vote failed: ${await res.text()}`);
  assert.deepEqual(res.request().postDataJSON(), { verdict: 'model_a' }, 'the key 1 did not vote for A');
  await waitForState(page, 'voted');
  return res.json();
}

/** WCAG relative luminance contrast of two CSS rgb()/rgba() colours. */
function contrast(c1, c2) {
  const lum = (c) => {
    const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [lum(c1), lum(c2)].sort((a, b) => b - a);
  return (hi + 0.05) / (lo + 0.05);
}

// Outside the suite so that a missing setup is counted as a failure, not only
// as cancelled steps.
test('the e2e environment is set up', assertEnvironment);

describe('GoldArena voter pages in three languages', { timeout: 20 * TEST_TIMEOUT_MS }, () => {
  let browser;

  before(async () => {
    assertBaseUrl();
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
  });

  for (const locale of UI_LOCALES) {
    test(`axe-core finds nothing serious on any voter page in ${locale}`, { timeout: 4 * TEST_TIMEOUT_MS }, async () => {
      const context = await localeContext(browser, locale);
      try {
        const { page, found, battle } = await playBattle(context, locale, `arena ${locale}`);
        const { lang, dir } = await htmlLangDir(page);
        assert.equal(lang, locale, `<html lang> is ${lang}, not ${locale} (from Accept-Language)`);
        assert.equal(dir, locale === 'ar' ? 'rtl' : 'ltr', `<html dir> is ${dir} in ${locale}`);

        // The content carries the battle's language, whatever the interface's.
        assert.ok(['cmn', 'zho', 'zh'].includes(battle.language), `the battle's language is ${battle.language}, not Chinese`);
        const marks = await page.locator('#prompt .markdown, #panes .answer-content').evaluateAll((els) =>
          els.map((el) => ({ lang: el.getAttribute('lang'), dir: el.getAttribute('dir') })),
        );
        assert.ok(marks.length >= 3, 'the prompt and the answers are not shown');
        for (const m of marks) assert.deepEqual(m, { lang: 'zh', dir: 'auto' }, 'content without lang="zh" dir="auto"');

        await voteWithKeyOne(page);
        found.push(...(await axeFindings(page, `arena ${locale}: revealed`)));
        await screenshot(page, `a11y-arena-${locale}.png`);

        const lb = await context.newPage();
        watch(problems, lb, `leaderboard ${locale}`);
        await lb.goto(`${BASE_URL}/leaderboard`);
        await waitForState(lb, 'ready');
        // With live models the demo set is off: none of its models is on the board.
        const demo = await lb.locator('.lb-table tbody tr[data-model^="demo-"]').count();
        assert.equal(demo, 0, 'demo models are on the board of an arena with live models');
        assert.equal((await htmlLangDir(lb)).lang, locale, `the leaderboard is not in ${locale}`);
        found.push(...(await axeFindings(lb, `leaderboard ${locale}`)));

        const op = await context.newPage();
        watch(problems, op, `operator ${locale}`);
        await op.goto(`${BASE_URL}/operator`);
        await waitForState(op, 'login');
        // The operator page stays English whatever the browser speaks.
        assert.deepEqual(await htmlLangDir(op), { lang: 'en', dir: 'ltr' }, 'the operator page is not pinned to English');
        found.push(...(await axeFindings(op, `operator login ${locale}`)));
        assert.deepEqual(found, []);
      } finally {
        await context.close();
      }
    });

    test(`the leaderboard at 360 px passes axe-core in ${locale}`, { timeout: TEST_TIMEOUT_MS }, async () => {
      const context = await localeContext(browser, locale, PHONE_360);
      try {
        const page = await context.newPage();
        watch(problems, page, `leaderboard 360 ${locale}`);
        await page.goto(`${BASE_URL}/leaderboard`);
        await waitForState(page, 'ready');
        await assertNoSidewaysScroll(page, `on the leaderboard at 360 px in ${locale}`);
        assert.deepEqual(await axeFindings(page, `leaderboard 360 px ${locale}`), []);
      } finally {
        await context.close();
      }
    });
  }

  test('the dark theme passes axe-core too', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en', { colorScheme: 'dark' });
    try {
      const { page, found } = await playBattle(context, 'en', 'arena dark', 'Say hello in two lines.');
      assert.notEqual(
        await page.evaluate(() => getComputedStyle(document.body).backgroundColor),
        'rgb(246, 247, 249)',
        'the page is not dark under prefers-color-scheme: dark',
      );
      await voteWithKeyOne(page);
      found.push(...(await axeFindings(page, 'arena dark: revealed')));
      await screenshot(page, 'a11y-arena-dark.png');
      assert.deepEqual(found, []);
    } finally {
      await context.close();
    }
  });

  test('Arabic reads right to left, and A and B keep their meaning and labels', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'ar');
    try {
      const { page } = await playBattle(context, 'ar', 'arena rtl', 'Say hello in two lines.');
      assert.deepEqual(await htmlLangDir(page), { lang: 'ar', dir: 'rtl' });
      // A is the first answer: in right-to-left, on the right.
      const a = await page.locator('#pane-a').boundingBox();
      const b = await page.locator('#pane-b').boundingBox();
      assert.ok(a && b && a.x > b.x, `pane A (x=${a && a.x}) is not right of pane B (x=${b && b.x}) in Arabic`);
      assert.match(await text(page, '#name-a'), /\bA$/, '#name-a does not say A');
      assert.match(await text(page, '#name-b'), /\bB$/, '#name-b does not say B');
      assert.match(await verdictButton(page, 'model_a').innerText(), /\bA\b/, 'the A button does not say A');
      assert.match(await verdictButton(page, 'model_b').innerText(), /\bB\b/, 'the B button does not say B');
      // The first vote button sits on the right too.
      const first = await verdictButton(page, 'model_a').boundingBox();
      const second = await verdictButton(page, 'model_b').boundingBox();
      assert.ok(first.x > second.x, 'the vote buttons do not read right to left');
      // Latin content keeps its own direction inside the Arabic page.
      const answerDir = await page.locator('#body-a .answer-content').evaluate((el) => getComputedStyle(el).direction);
      assert.equal(answerDir, 'ltr', 'an English answer is laid out right to left');
      const v = await voteWithKeyOne(page);
      assert.ok((await text(page, '#name-a')).includes(v.model_a_display), 'the reveal put A’s model elsewhere');
      await screenshot(page, 'a11y-arena-rtl.png');
    } finally {
      await context.close();
    }
  });

  test('the switcher chooses the language, and the choice is remembered', { timeout: TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'ar'); // the browser asks for Arabic
    try {
      const page = await context.newPage();
      watch(problems, page, 'switcher');
      await page.goto(`${BASE_URL}/leaderboard`);
      await waitForState(page, 'ready');
      assert.equal((await htmlLangDir(page)).lang, 'ar');
      const select = page.locator('#lang-select');
      assert.ok(await select.isVisible(), 'no language switcher');
      assert.equal(await select.inputValue(), 'ar');
      // The switcher has a label.
      assert.ok((await page.getByLabel('اللغة', { exact: true }).count()) === 1, 'the switcher has no label');

      await Promise.all([page.waitForEvent('load'), select.selectOption('zh-CN')]);
      await waitForState(page, 'ready');
      assert.deepEqual(await htmlLangDir(page), { lang: 'zh-CN', dir: 'ltr' });
      assert.equal(await text(page, 'h1'), '排行榜');

      // Remembered on every voter page, over what the browser asks for.
      const arena = await context.newPage();
      watch(problems, arena, 'switcher arena');
      await arena.goto(`${BASE_URL}/`);
      await waitForState(arena, 'prompt');
      assert.equal((await htmlLangDir(arena)).lang, 'zh-CN', 'the chosen language was not remembered');
      assert.equal(await text(arena, 'h1'), ARENA_TITLE['zh-CN']);
      assert.equal(await arena.locator('#lang-select').inputValue(), 'zh-CN');
    } finally {
      await context.close();
    }
  });

  test('the focus ring has at least 3:1 contrast, light and dark', { timeout: TEST_TIMEOUT_MS }, async () => {
    for (const colorScheme of ['light', 'dark']) {
      const context = await localeContext(browser, 'en', { colorScheme });
      try {
        const page = await context.newPage();
        await page.goto(`${BASE_URL}/`);
        await waitForState(page, 'prompt');
        await page.locator('#prompt-input').fill('Hello');
        // Keyboard focus, so that :focus-visible applies.
        await page.locator('#prompt-input').focus();
        await page.keyboard.press('Tab');
        const ring = await page.evaluate(() => {
          const el = document.activeElement;
          const s = getComputedStyle(el);
          const host = el.closest('.composer') || document.body;
          return {
            id: el.id,
            visible: el.matches(':focus-visible'),
            style: s.outlineStyle,
            width: parseFloat(s.outlineWidth),
            color: s.outlineColor,
            surface: getComputedStyle(host).backgroundColor,
            page: getComputedStyle(document.body).backgroundColor,
          };
        });
        assert.ok(ring.visible, `Tab did not give ${ring.id} a visible focus`);
        assert.equal(ring.style, 'solid', `the focus ring of #${ring.id} is ${ring.style}`);
        assert.ok(ring.width >= 2, `the focus ring of #${ring.id} is ${ring.width}px wide`);
        assert.doesNotMatch(ring.color, /rgba\([^)]*,\s*0?\.\d+\)/, `the focus ring is see-through: ${ring.color}`);
        for (const bg of [ring.surface, ring.page]) {
          const ratio = contrast(ring.color, bg);
          assert.ok(ratio >= 3, `${colorScheme}: focus ring ${ring.color} on ${bg} is only ${ratio.toFixed(2)}:1`);
        }
      } finally {
        await context.close();
      }
    }
  });

  test('nothing the voter focuses hides behind the sticky vote bar', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    // A short window, so that the bar sticks over the answers.
    const context = await localeContext(browser, 'en', { viewport: { width: 1280, height: 560 } });
    try {
      const { page } = await playBattle(context, 'en', 'sticky bar', 'Say hello in two lines.');
      const covered = async (selector) => {
        const el = page.locator(selector).first();
        await el.evaluate((node) => node.focus());
        return el.evaluate((node) => {
          const r = node.getBoundingClientRect();
          const x = r.left + r.width / 2;
          // The bottom edge, just inside: where a sticky bar would cover first.
          const y = Math.min(r.bottom - 2, window.innerHeight - 1);
          const top = document.elementFromPoint(x, y);
          return top === node || node.contains(top) ? '' : `covered by ${top ? top.id || top.className || top.tagName : 'nothing'}`;
        });
      };
      await page.evaluate(() => window.scrollTo(0, 0));
      assert.equal(await covered('#regenerate'), '', '"Regenerate both answers" is covered');
      await page.evaluate(() => window.scrollTo(0, 0));
      assert.equal(await covered('#followup-input'), '', 'the follow-up box is covered');
      await page.evaluate(() => window.scrollTo(0, 0));
      assert.equal(await covered('#body-b .answer-content a'), '', 'a link in an answer is covered');
      await page.evaluate(() => window.scrollTo(0, 0));
      assert.equal(await covered('#body-a .answer-content a'), '', 'a link in an answer is covered');
    } finally {
      await context.close();
    }
  });

  test('no dialogs, page errors, CSP violations or missing assets', () => {
    assert.deepEqual(problems, []);
  });
});
