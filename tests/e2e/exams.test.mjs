// Browser end-to-end test of the exams beside the arena: the leaderboard
// offers every exam as a switch, and ticking one adds a column of each
// model's accuracy on it (the API's numbers, GET /api/v1/exams/{name}/results),
// kept in the page's address across a reload, with "Fresh exams only"
// leaving "—" for the models that may have seen the exam; the exam page
// (/exam?name=X) shows the whole exam, the subjects, the comparison with the
// arena (GET /api/v1/exams/{name}/comparison: the models in its order,
// Spearman's ρ, the disagreements marked) and McNemar's pairs, all equal to
// the API, and switches to the fresh models only; it passes axe-core in
// English, Chinese and Arabic (right to left), and fits a 360 px phone
// without sideways scrolling.
//
// Runs against a server that is already running (started by the Rust test
// harness) at GOLDARENA_E2E_URL, with votes and an exam with answers from
// the ranked models. Besides, it needs:
//   GOLDARENA_E2E_EXAM  the exam's name
// Uses a system Chromium driven by playwright-core; see harness.mjs.

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
  launchBrowser,
  localeContext,
  screenshot,
  waitForState,
  watch,
} from './harness.mjs';

const EXAM = process.env.GOLDARENA_E2E_EXAM || '';
const EXAM_PATH = `/exams/${encodeURIComponent(EXAM)}`;
const EXAM_PAGE = `/exam?name=${encodeURIComponent(EXAM)}`;

/** Problems seen on any page: each one fails the last test. */
const problems = [];

async function open(context, label, path) {
  const page = await context.newPage();
  watch(problems, page, label, { resourceTypes: [...ASSET_TYPES, 'fetch'] });
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`[${label}] console error: ${msg.text()}`);
  });
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

/** The whole-exam rows of a results response, by model. */
function overallOf(results) {
  const out = new Map();
  for (const r of results.rows) if (r.subject === 'all' && r.question_type === 'all') out.set(r.model, r);
  return out;
}

/** An accuracy as the English page writes it: "73.3%". */
const percent = (v) => `${(v * 100).toFixed(1)}%`;

/** The number a cell shows in English ("1,012" is 1012, "—" is null). */
function numberOf(text) {
  const t = text.trim().replace(/,/g, '').replace(/\u2212/g, '-');
  return t === '—' || t === '' ? null : Number(t);
}

/** The exam cells of the ranked table: model, raw accuracy (or null) and text. */
function examCells(page) {
  return page.locator(`#leaderboard tbody td.lb-exam-cell[data-exam="${EXAM}"]`).evaluateAll((tds) =>
    tds.map((td) => ({
      model: td.dataset.model,
      rowModel: td.closest('tr').dataset.model,
      accuracy: td.hasAttribute('data-accuracy') ? Number(td.dataset.accuracy) : null,
      text: td.textContent.trim(),
    })),
  );
}

/** The response to GET /api/v1/exams/{EXAM}/results, fresh_only or not. */
const isResults = (fresh) => (r) => {
  const url = new URL(r.url());
  return url.pathname === `/api/v1${EXAM_PATH}/results` && (url.searchParams.get('fresh_only') === 'true') === fresh;
};

/** Every exam cell of the ranked table equals the API's whole-exam accuracy (or "—"). */
async function assertColumnIs(page, overall, label) {
  const cells = await examCells(page);
  const shown = await page.locator('#leaderboard tbody tr[data-model]').evaluateAll((trs) => trs.map((tr) => tr.dataset.model));
  assert.ok(shown.length > 0, `${label}: no ranked rows`);
  assert.equal(cells.length, shown.length, `${label}: one exam cell per ranked model`);
  for (const c of cells) {
    assert.equal(c.model, c.rowModel, `${label}: the cell's data-model is its row's`);
    const want = overall.get(c.model);
    if (want) {
      assert.equal(c.accuracy, want.accuracy, `${label}: ${c.model}'s accuracy`);
      assert.ok(c.text.startsWith(percent(want.accuracy)), `${label}: ${c.model} shows "${c.text}", not ${percent(want.accuracy)}`);
      assert.ok(
        c.text.includes(`[${(want.ci_lower * 100).toFixed(1)}, ${(want.ci_upper * 100).toFixed(1)}]`),
        `${label}: ${c.model}'s interval in "${c.text}"`,
      );
    } else {
      assert.equal(c.accuracy, null, `${label}: ${c.model} has no result but an accuracy`);
      assert.equal(c.text, '—', `${label}: ${c.model} has no result`);
    }
  }
  return cells;
}

const CONTAMINATION_WORDS = { fresh: 'fresh', possibly_seen: 'possibly seen', unknown: 'unknown' };

test('the e2e environment is set up', async () => {
  await assertEnvironment();
  assert.ok(EXAM, 'GOLDARENA_E2E_EXAM is not set');
});

describe('GoldArena exams beside the arena', { timeout: 10 * TEST_TIMEOUT_MS }, () => {
  let browser;

  before(async () => {
    assertBaseUrl();
    browser = await launchBrowser();
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('the leaderboard offers the exam; its column shows the API\'s accuracies, survives a reload and goes fresh-only', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en');
    try {
      const { exams } = await api(context, '/exams');
      const index = exams.findIndex((e) => e.name === EXAM);
      assert.ok(index >= 0, `GET /exams does not list ${EXAM}`);
      const overall = overallOf(await api(context, `${EXAM_PATH}/results`));
      const fresh = overallOf(await api(context, `${EXAM_PATH}/results?fresh_only=true`));
      assert.ok(overall.size > 0, 'the exam has no results');

      const page = await open(context, 'leaderboard', '/leaderboard');
      assert.ok(await page.locator('#lb-exams').isVisible(), 'the exam switches are hidden');
      assert.equal(await page.locator('input.lb-exam-choice').count(), exams.length, 'one switch per exam');
      const box = page.locator(`#lb-exam-${index}`);
      assert.equal(await box.getAttribute('value'), EXAM);
      assert.equal(await box.isChecked(), false);
      assert.equal(await page.locator(`label[for="lb-exam-${index}"]`).innerText(), EXAM);
      assert.equal(await page.locator('#lb-exams .lb-exam-link').nth(index).getAttribute('href'), EXAM_PAGE);
      assert.equal(await page.locator('td.lb-exam-cell').count(), 0, 'an exam column before any is chosen');

      await Promise.all([page.waitForResponse(isResults(false)), box.check()]);
      await waitForState(page, 'ready');
      await page.waitForSelector(`#leaderboard td.lb-exam-cell[data-exam="${EXAM}"]`);
      const cells = await assertColumnIs(page, overall, 'ticked');
      assert.ok(cells.some((c) => c.accuracy !== null), 'no model shows an accuracy');
      // Right after the rating columns, headed by the exam's name.
      const heads = await page.locator('#leaderboard thead th').evaluateAll((ths) =>
        ths.map((th) => ({ cls: th.className, text: th.textContent.trim() })),
      );
      const at = heads.findIndex((h) => h.cls.includes('lb-exam-cell'));
      assert.ok(at > 0 && heads[at].text.includes(EXAM), `no exam header: ${JSON.stringify(heads)}`);
      assert.ok(heads[at - 1].cls.split(' ').includes('ci'), 'the exam column does not follow the interval');
      // A model's whose contamination is not fresh says so in words.
      for (const c of cells) {
        const want = overall.get(c.model);
        if (want) assert.ok(c.text.includes(CONTAMINATION_WORDS[want.contamination]), `${c.model}: "${c.text}" lacks its contamination`);
      }
      assert.equal(new URL(page.url()).searchParams.get('exams'), EXAM, 'the address keeps the exam');

      // Sortable by accuracy: best first on the first click.
      await page.locator('#leaderboard thead th.lb-exam-cell button.lb-sort').click();
      assert.equal(await page.locator('#leaderboard thead th.lb-exam-cell').getAttribute('aria-sort'), 'descending');
      const sorted = (await examCells(page)).map((c) => c.accuracy);
      const known = sorted.filter((v) => v !== null);
      assert.deepEqual(known, [...known].sort((a, b) => b - a), 'not sorted by accuracy');
      assert.deepEqual(sorted.slice(0, known.length), known, 'models without a result are not last');
      assert.deepEqual(await axeFindings(page, 'leaderboard with an exam column'), []);
      await screenshot(page, 'leaderboard-exam.png');

      // A reload keeps the choice.
      await page.reload();
      await waitForState(page, 'ready');
      assert.equal(await page.locator(`#lb-exam-${index}`).isChecked(), true, 'the switch is off after a reload');
      await assertColumnIs(page, overall, 'after a reload');

      // Fresh exams only: "—" for the models that may have seen it.
      await Promise.all([page.waitForResponse(isResults(true)), page.locator('#lb-fresh-toggle').check()]);
      await waitForState(page, 'ready');
      assert.equal(new URL(page.url()).searchParams.get('fresh'), '1', 'the address keeps fresh-only');
      const freshCells = await assertColumnIs(page, fresh, 'fresh only');
      for (const c of freshCells) {
        const want = overall.get(c.model);
        if (!want || want.contamination !== 'fresh') assert.equal(c.text, '—', `${c.model} is not fresh but shows "${c.text}"`);
        else assert.equal(c.accuracy, want.accuracy, `${c.model} is fresh`);
      }
      await page.reload();
      await waitForState(page, 'ready');
      assert.equal(await page.locator('#lb-fresh-toggle').isChecked(), true, 'fresh-only is off after a reload');
      await assertColumnIs(page, fresh, 'fresh only after a reload');

      // Unticked: the column goes, and so does the address's exam.
      await page.locator(`#lb-exam-${index}`).uncheck();
      await waitForState(page, 'ready');
      assert.equal(await page.locator('td.lb-exam-cell').count(), 0);
      assert.equal(new URL(page.url()).searchParams.get('exams'), null);
    } finally {
      await context.close();
    }
  });

  test('the exam page shows the API\'s numbers, the comparison and the disagreements', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en');
    try {
      const { exams } = await api(context, '/exams');
      const exam = exams.find((e) => e.name === EXAM);
      const results = await api(context, `${EXAM_PATH}/results`);
      const comparison = await api(context, `${EXAM_PATH}/comparison`);
      const overall = overallOf(results);

      const page = await open(context, 'exam page', EXAM_PAGE);
      assert.equal((await page.locator('#exam-name').innerText()).trim(), EXAM);
      const meta = await page.locator('#exam-meta').innerText();
      assert.ok(meta.includes(`${exam.questions} question`), `the question count is not shown: ${meta}`);

      // The whole exam.
      const rows = await page.locator('#exam-overall tbody tr[data-model]').evaluateAll((trs) =>
        trs.map((tr) => {
          const cells = {};
          for (const td of tr.querySelectorAll('td')) cells[td.className] = td.textContent.trim();
          return { model: tr.dataset.model, accuracy: Number(tr.dataset.accuracy), cells };
        }),
      );
      assert.deepEqual(rows.map((r) => r.model).sort(), [...overall.keys()].sort(), 'the overall table\'s models');
      for (const r of rows) {
        const want = overall.get(r.model);
        assert.equal(r.accuracy, want.accuracy, `${r.model}: accuracy`);
        assert.ok(r.cells.accuracy.startsWith(percent(want.accuracy)), `${r.model}: "${r.cells.accuracy}"`);
        assert.equal(numberOf(r.cells.questions), want.n, `${r.model}: questions`);
        assert.equal(numberOf(r.cells.correct), want.correct, `${r.model}: right`);
        assert.equal(numberOf(r.cells.unreadable), want.unreadable, `${r.model}: unreadable`);
        assert.ok(r.cells.contamination.includes(CONTAMINATION_WORDS[want.contamination]), `${r.model}: "${r.cells.contamination}"`);
      }

      // Per subject.
      const wantSubjects = results.rows.filter((r) => r.subject !== 'all' && r.question_type === 'all');
      const subjects = await page.locator('#exam-subjects td[data-model][data-subject]').evaluateAll((tds) =>
        tds.map((td) => ({
          model: td.dataset.model,
          subject: td.dataset.subject,
          accuracy: td.hasAttribute('data-accuracy') ? Number(td.dataset.accuracy) : null,
        })),
      );
      const got = subjects.filter((s) => s.accuracy !== null);
      assert.equal(got.length, wantSubjects.length, 'one cell per model and subject');
      assert.ok(got.length > 0, 'no subject cells');
      for (const w of wantSubjects) {
        const s = got.find((x) => x.model === w.model && x.subject === w.subject);
        assert.ok(s, `no cell for ${w.model} × ${w.subject}`);
        assert.equal(s.accuracy, w.accuracy, `${w.model} × ${w.subject}`);
      }

      // The comparison: the API's order, the disagreements marked in words.
      const compared = await page.locator('#exam-comparison tbody tr[data-model]').evaluateAll((trs) =>
        trs.map((tr) => ({
          model: tr.dataset.model,
          marked: tr.classList.contains('is-disagreement'),
          text: tr.textContent,
          rating: tr.querySelector('td.rating').textContent.trim(),
        })),
      );
      assert.deepEqual(compared.map((r) => r.model), comparison.models.map((m) => m.model), 'the comparison\'s order');
      const disagree = new Set(comparison.disagreements);
      compared.forEach((r, i) => {
        assert.equal(numberOf(r.rating), Math.round(comparison.models[i].arena_rating), `${r.model}: arena rating`);
        assert.equal(r.marked, disagree.has(r.model), `${r.model}: disagreement mark`);
        assert.equal(/\bdisagree\b/.test(r.text), disagree.has(r.model), `${r.model}: the word "disagree"`);
      });
      const spearman = (await page.locator('#spearman').innerText()).replace(/\u2212/g, '-');
      if (comparison.spearman) {
        assert.ok(spearman.includes(comparison.spearman.rho.toFixed(2)), `#spearman "${spearman}" lacks ρ = ${comparison.spearman.rho.toFixed(2)}`);
        if (comparison.spearman.ci_lower !== null) {
          assert.ok(spearman.includes(comparison.spearman.ci_lower.toFixed(2)), `#spearman "${spearman}" lacks its interval`);
        }
      } else {
        assert.ok(spearman.length > 0, '#spearman is empty without ρ');
      }

      // McNemar's pairs.
      const pairs = await page.locator('#exam-mcnemar tbody tr[data-model-a]').evaluateAll((trs) =>
        trs.map((tr) => ({
          a: tr.dataset.modelA,
          b: tr.dataset.modelB,
          counts: Array.from(tr.querySelectorAll('td.count'), (td) => td.textContent.trim()),
        })),
      );
      assert.equal(pairs.length, results.mcnemar.length, 'one row per pair');
      results.mcnemar.forEach((p, i) => {
        assert.equal(pairs[i].a, p.model_a);
        assert.equal(pairs[i].b, p.model_b);
        assert.deepEqual(pairs[i].counts.map(numberOf), [p.only_a_right, p.only_b_right], `${p.model_a} × ${p.model_b}`);
      });
      await screenshot(page, 'exam-desktop.png');

      // Fresh models only: the overall table has the fresh models alone.
      const freshModels = [...overall.values()].filter((r) => r.contamination === 'fresh').map((r) => r.model).sort();
      await Promise.all([page.waitForResponse(isResults(true)), page.locator('#fresh-toggle').check()]);
      await waitForState(page, 'ready');
      const freshRows = await page.locator('#exam-overall tbody tr[data-model]').evaluateAll((trs) => trs.map((tr) => tr.dataset.model));
      assert.deepEqual(freshRows.sort(), freshModels, 'fresh only: the overall table\'s models');
      assert.equal(new URL(page.url()).searchParams.get('fresh'), '1');
      await Promise.all([page.waitForResponse(isResults(false)), page.locator('#fresh-toggle').uncheck()]);
      await waitForState(page, 'ready');
      assert.equal(await page.locator('#exam-overall tbody tr[data-model]').count(), overall.size);
    } finally {
      await context.close();
    }
  });

  test('the exam page passes axe in every language, and reads right to left in Arabic', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    const found = [];
    for (const locale of UI_LOCALES) {
      const context = await localeContext(browser, locale);
      try {
        const page = await open(context, `exam page ${locale}`, EXAM_PAGE);
        const { lang, dir } = await htmlLangDir(page);
        assert.equal(lang, locale);
        assert.equal(dir, locale === 'ar' ? 'rtl' : 'ltr');
        found.push(...(await axeFindings(page, `exam page ${locale}`)));
        if (locale === 'ar') await screenshot(page, 'exam-ar.png');
      } finally {
        await context.close();
      }
    }
    assert.deepEqual(found, []);
  });

  test('on a 360 px phone the exam page and the exam column do not scroll sideways', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    const found = [];
    for (const locale of ['en', 'ar']) {
      const context = await localeContext(browser, locale, PHONE_360);
      try {
        const page = await open(context, `exam phone ${locale}`, EXAM_PAGE);
        await assertNoSidewaysScroll(page, `on the exam page (${locale})`);
        found.push(...(await axeFindings(page, `exam phone ${locale}`)));
        await screenshot(page, `exam-phone-${locale}.png`);
        const board = await open(context, `leaderboard phone ${locale}`, `/leaderboard?exams=${encodeURIComponent(EXAM)}`);
        await board.waitForSelector(`#leaderboard td.lb-exam-cell[data-exam="${EXAM}"]`);
        await assertNoSidewaysScroll(board, `on the leaderboard with an exam column (${locale})`);
        found.push(...(await axeFindings(board, `leaderboard phone ${locale}`)));
        await screenshot(board, `leaderboard-exam-phone-${locale}.png`);
      } finally {
        await context.close();
      }
    }
    assert.deepEqual(found, []);
  });

  test('an unknown exam says so', { timeout: TEST_TIMEOUT_MS }, async () => {
    const context = await localeContext(browser, 'en');
    try {
      const page = await context.newPage();
      await page.goto(`${BASE_URL}/exam?name=no-such-exam`);
      await page.waitForFunction(() => document.body.dataset.state === 'error');
      assert.match(await page.locator('#error').innerText(), /no-such-exam/);
    } finally {
      await context.close();
    }
  });

  test('no dialogs, page errors, console errors, CSP violations or missing assets', () => {
    assert.deepEqual(problems, []);
  });
});
