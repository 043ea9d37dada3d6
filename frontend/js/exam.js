// Exam page (/exam?name=X): how the arena's models did on a written exam.
//   - the exam: its name, date, language, questions and pass mark
//     (GET /api/v1/exams);
//   - the whole exam per model: accuracy with its 95% Wilson interval, the
//     questions, the unreadable answers, pass or fail, and whether the model
//     may have seen the exam (GET /api/v1/exams/{name}/results);
//   - the accuracy per subject and model;
//   - the exam beside the arena: both orders of the models, their gaps and
//     Spearman's ρ (GET /api/v1/exams/{name}/comparison);
//   - McNemar's test between each pair of models.
// "Fresh models only" asks both for ?fresh_only=true (kept in the page's
// address as &fresh=1). Everything from the server is inserted as text only.
//
// document.body.dataset.state is "loading", "ready" or "error".
//
// The tables are drawn by modules under ./exam/: results.js (the whole
// exam, the subjects, McNemar), compare.js (the comparison) and cells.js.

import { isolate, languageName, startPage, t, tn } from './i18n/index.js';
import { ApiError, clearError, get, showError } from './api.js';
import { accuracy, isNum } from './leaderboard/format.js';
import { examDate } from './leaderboard/exams.js';
import { overallRows, renderMcnemar, renderOverall, renderSubjects } from './exam/results.js';
import { renderComparison } from './exam/compare.js';
import { messageRow } from './exam/cells.js';

startPage();

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`exam page is missing #${id}`);
  return el;
};

const ui = {
  error: $('error'),
  name: $('exam-name'),
  meta: $('exam-meta'),
  fresh: /** @type {HTMLInputElement} */ ($('fresh-toggle')),
  freshNow: $('exam-fresh-now'),
  overall: /** @type {HTMLTableElement} */ ($('exam-overall')),
  overallBody: /** @type {HTMLTableSectionElement} */ ($('exam-overall-body')),
  subjects: /** @type {HTMLTableElement} */ ($('exam-subjects')),
  comparison: /** @type {HTMLTableElement} */ ($('exam-comparison')),
  compare: {
    spearman: $('spearman'),
    arenaOnly: $('exam-arena-only'),
    examOnly: $('exam-exam-only'),
    body: /** @type {HTMLTableSectionElement} */ ($('exam-comparison-body')),
    figure: $('exam-scatter-figure'),
    scatter: $('exam-scatter'),
  },
  mcnemar: /** @type {HTMLTableSectionElement} */ ($('exam-mcnemar-body')),
};

const address = new URL(window.location.href).searchParams;
const name = (address.get('name') || '').trim();
ui.fresh.checked = address.get('fresh') === '1' || address.get('fresh') === 'true';

/** Keep the fresh switch in the page's address (no new history entry). */
function keepInUrl() {
  const url = new URL(window.location.href);
  if (ui.fresh.checked) url.searchParams.set('fresh', '1');
  else url.searchParams.delete('fresh');
  if (url.href !== window.location.href) window.history.replaceState(window.history.state, '', url.href);
}

/** The exam's date, language, questions and pass mark, as a list. */
function renderMeta(exam) {
  const items = [];
  const date = exam && examDate(exam.exam_date);
  if (date) items.push(t('exam.meta.date', { date }));
  const language = exam && typeof exam.language === 'string' && exam.language ? exam.language : '';
  if (language) items.push(t('exam.meta.language', { language: languageName(language) }));
  if (exam && isNum(exam.questions)) items.push(tn('exam.meta.questions', exam.questions));
  if (exam && isNum(exam.pass_mark)) items.push(t('exam.meta.passMark', { mark: accuracy(exam.pass_mark) }));
  else if (exam) items.push(t('exam.meta.noPassMark'));
  ui.meta.replaceChildren(
    ...items.map((text) => {
      const li = document.createElement('li');
      li.textContent = text;
      return li;
    }),
  );
}

/** The exams' list, fetched once: the exam's own line of it, or null. */
let examInfo = null;
async function loadExamInfo() {
  if (examInfo) return examInfo;
  try {
    const data = await get('/exams');
    const list = Array.isArray(data && data.exams) ? data.exams : [];
    examInfo = list.find((e) => e && e.name === name) || null;
  } catch {
    examInfo = null; // the tables still show; the exam's details do not
  }
  return examInfo;
}

function setBusy(busy) {
  for (const table of [ui.overall, ui.comparison]) table.setAttribute('aria-busy', busy ? 'true' : 'false');
}

let token = 0;

async function load() {
  const mine = ++token;
  document.body.dataset.state = 'loading';
  setBusy(true);
  const fresh = ui.fresh.checked;
  const q = fresh ? '?fresh_only=true' : '';
  const path = `/exams/${encodeURIComponent(name)}`;
  try {
    const [exam, results, comparison] = await Promise.all([
      loadExamInfo(),
      get(`${path}/results${q}`),
      // The comparison needs the board: without it, the rest still shows.
      get(`${path}/comparison${q}`).catch((err) => ({ failed: err })),
    ]);
    if (mine !== token) return;
    clearError(ui.error);
    renderMeta(exam || results);
    const rows = (Array.isArray(results && results.rows) ? results.rows : []).filter(
      (r) => r && typeof r === 'object' && typeof r.model === 'string',
    );
    const names = new Map();
    const compared = comparison && Array.isArray(comparison.models) ? comparison.models : [];
    for (const m of compared) if (m && typeof m.display_name === 'string') names.set(m.model, m.display_name);
    const overall = overallRows(rows);
    const passMark = isNum(results && results.pass_mark) || overall.some((r) => typeof r.pass === 'string');
    renderOverall(ui.overall, ui.overallBody, overall, names, passMark);
    renderSubjects(ui.subjects, rows, overall.map((r) => r.model), names);
    renderMcnemar(ui.mcnemar, Array.isArray(results.mcnemar) ? results.mcnemar.filter((p) => p && typeof p === 'object') : [], names);
    if (comparison && comparison.failed) {
      const err = comparison.failed;
      ui.compare.spearman.textContent = t('exam.comparison.failed');
      if (err instanceof ApiError && err.message) ui.compare.spearman.textContent += ` ${err.message}`;
      ui.compare.body.replaceChildren(messageRow(t('exam.comparison.none'), 7));
      ui.compare.figure.hidden = true;
    } else {
      renderComparison(ui.compare, comparison || {});
    }
    const said = fresh ? tn('exam.freshNow', overall.length) : '';
    if (ui.freshNow.textContent !== said) ui.freshNow.textContent = said;
    document.body.dataset.state = 'ready';
  } catch (err) {
    if (mine !== token) return;
    const title = err instanceof ApiError && err.status === 404
      ? t('exam.notFound', { name: isolate(name) })
      : t('exam.loadFailed');
    showError(ui.error, title, err);
    document.body.dataset.state = 'error';
  } finally {
    if (mine === token) setBusy(false);
  }
}

ui.name.textContent = name || '—';
if (!name) {
  showError(ui.error, t('exam.noName'), t('exam.noName'));
  setBusy(false);
  document.body.dataset.state = 'error';
} else {
  document.title = `${name} · ${document.title}`;
  ui.fresh.addEventListener('change', () => {
    keepInUrl();
    load();
  });
  load();
}
