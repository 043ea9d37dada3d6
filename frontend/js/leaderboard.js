// Leaderboard page: GET /api/v1/leaderboard, shown as three tables:
//   - ranked: the main group of models connected by battles, each with at
//     least `min_votes` battles, with rank, rating and 95% interval;
//   - preliminary: in the main group but not ranked yet (too few battles):
//     no rank, and "—" with the reason instead of a rating;
//   - not comparable yet: no battles linking them to the main group.
// The server sends the rows in that order, each with its `status`. Columns
// sort with the buttons in their headers. On a phone the rows become cards
// (app.css), so that the interval shows without sideways scrolling.
//
// document.body.dataset.state is "loading", "ready" or "error".
//
// Above the tables, two pickers choose the board (a category, a language,
// both or neither: GET /api/v1/leaderboard?category=...&language=...) and a
// switch turns style control on (&style_control=true): the ranked table
// then gains Rank (StyleCtrl) and its change (Δ), and a table of the style
// coefficients follows it. The choice is kept in the page's address
// (?category=...&language=...&style=1).
//
// The page is split into modules under ./leaderboard/:
//   format.js   how numbers, intervals and reasons are written
//   columns.js  the columns of the tables
//   table.js    a sortable table
//   scope.js    the board chosen, the pickers and the page's address
//   style.js    the style coefficients
//   plots.js    the server's SVG plots and the heatmaps' data tables
//   exams.js    the exam switches and the exam columns
//
// A switch lists the deprecated models too (&show_deprecated=true, kept in
// the address), on the board and in the plots.
//
// Below them, one switch per exam (GET /api/v1/exams): each exam chosen adds
// a column of the models' accuracy on it, after the rating columns, and
// "Fresh exams only" leaves out the models that may have seen an exam
// (kept in the address too: ?exams=a,b&fresh=1).

import { startPage, formatDate, formatNumber, t, tn } from './i18n/index.js';
import { get, showError, clearError } from './api.js';
import { isNum } from './leaderboard/format.js';
import { RANKED_COLUMNS, STYLE_RANKED_COLUMNS, UNRANKED_COLUMNS } from './leaderboard/columns.js';
import { boardTable } from './leaderboard/table.js';
import { boardQuery, choiceFromUrl, fillPickers, keepInUrl, parseScope, scopeText } from './leaderboard/scope.js';
import { renderCoefficients } from './leaderboard/style.js';
import { showPlots } from './leaderboard/plots.js';
import { examChoiceFromUrl, examControls, keepExamsInUrl, withExamColumns } from './leaderboard/exams.js';

startPage();

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`leaderboard page is missing #${id}`);
  return el;
};

const ui = {
  error: $('error'),
  total: $('total-votes'),
  method: $('lb-method'),
  updated: $('lb-updated'),
  integrity: $('lb-integrity'),
  minVotes: $('lb-min-votes'),
  refresh: $('refresh'),
  ranked: /** @type {HTMLTableElement} */ ($('leaderboard')),
  preliminary: /** @type {HTMLTableElement} */ ($('preliminary')),
  notComparable: /** @type {HTMLTableElement} */ ($('not-comparable')),
  preliminarySection: $('lb-preliminary'),
  notComparableSection: $('lb-not-comparable'),
  category: /** @type {HTMLSelectElement} */ ($('lb-category')),
  language: /** @type {HTMLSelectElement} */ ($('lb-language')),
  styleToggle: /** @type {HTMLInputElement} */ ($('lb-style-toggle')),
  deprecatedToggle: /** @type {HTMLInputElement} */ ($('lb-deprecated-toggle')),
  scopeNow: $('lb-scope-now'),
  styleNote: $('lb-style-note'),
  styleSection: $('lb-style'),
  styleBattles: $('lb-style-battles'),
  coefficients: /** @type {HTMLTableSectionElement} */ ($('lb-coefficients-body')),
  exams: $('lb-exams'),
  examList: $('lb-exam-list'),
  freshToggle: /** @type {HTMLInputElement} */ ($('lb-fresh-toggle')),
  examsStatus: $('lb-exams-status'),
};

/** The board asked for: from the page's address, then from the pickers. */
const choice = choiceFromUrl();
ui.styleToggle.checked = choice.style;
ui.deprecatedToggle.checked = choice.deprecated;
fillPickers(ui, null, choice);
/** The min_votes of GET /leaderboard/scopes, for a board that does not say. */
let scopesMinVotes = null;

/** The exams whose columns are shown, from the page's address, then from the switches. */
const examChoice = examChoiceFromUrl();
const exams = examControls(
  { group: ui.exams, list: ui.examList, fresh: ui.freshToggle, status: ui.examsStatus },
  examChoice,
);
const examsListed = exams.load();

const METHOD_KEYS = {
  elo: () => t('lb.method.elo'),
  bt: () => t('lb.method.bt'),
  bradley_terry: () => t('lb.method.bt'),
};

const tables = {
  ranked: boardTable(ui.ranked, RANKED_COLUMNS, { key: 'rank', direction: 'ascending' }),
  preliminary: boardTable(ui.preliminary, UNRANKED_COLUMNS, { key: 'battles', direction: 'descending' }),
  not_comparable: boardTable(ui.notComparable, UNRANKED_COLUMNS, { key: 'battles', direction: 'descending' }),
};

/** A row's standing; rows of an older server without `status` count as ranked. */
function statusOf(row) {
  return row.status === 'preliminary' || row.status === 'not_comparable' ? row.status : 'ranked';
}

function render(data) {
  const rows = Array.isArray(data.rows) ? data.rows.filter((r) => r && typeof r === 'object') : [];
  ui.total.textContent = isNum(data.total_votes) ? formatNumber(data.total_votes) : '—';
  const method = typeof data.method === 'string' ? data.method : '';
  ui.method.textContent = method ? t('lb.method', { method: METHOD_KEYS[method] ? METHOD_KEYS[method]() : method }) : '';
  const updated = typeof data.computed_at === 'string' ? formatDate(data.computed_at) : '';
  ui.updated.textContent = updated ? t('lb.updated', { time: updated }) : '';
  ui.integrity.hidden = data.integrity !== false;
  const scope = typeof data.scope === 'string' ? parseScope(data.scope) : choice;
  const scoped = Boolean(scope.category || scope.language);
  const said = scopeText(scope);
  if (ui.scopeNow.textContent !== said) ui.scopeNow.textContent = said;
  const minVotes = isNum(data.min_votes) ? data.min_votes : isNum(scopesMinVotes) ? scopesMinVotes : null;
  if (minVotes === null) ui.minVotes.textContent = '';
  else ui.minVotes.textContent = scoped ? tn('lb.minVotesScoped', minVotes) : tn('lb.minVotes', minVotes);
  ui.minVotes.hidden = minVotes === null;

  // Style control: only when the server sent it for this board.
  const style = data.style_control && typeof data.style_control === 'object' ? data.style_control : null;
  const examColumns = exams.columns();
  tables.ranked.setColumns(withExamColumns(style ? STYLE_RANKED_COLUMNS : RANKED_COLUMNS, examColumns));
  tables.preliminary.setColumns(withExamColumns(UNRANKED_COLUMNS, examColumns));
  tables.not_comparable.setColumns(withExamColumns(UNRANKED_COLUMNS, examColumns));
  for (const table of [ui.ranked, ui.preliminary, ui.notComparable]) table.classList.toggle('has-exams', examColumns.length > 0);
  ui.ranked.classList.toggle('has-style', Boolean(style));
  ui.styleNote.hidden = !style;
  ui.styleSection.hidden = !style;
  if (style) renderCoefficients({ body: ui.coefficients, battles: ui.styleBattles }, style);

  const groups = { ranked: [], preliminary: [], not_comparable: [] };
  for (const row of rows) groups[statusOf(row)].push(row);
  const ctx = { minVotes };
  if (groups.ranked.length > 0) tables.ranked.setRows(groups.ranked, ctx);
  else tables.ranked.setMessage(rows.length === 0 ? t('lb.noneRated') : t('lb.noneRanked'));
  tables.preliminary.setRows(groups.preliminary, ctx);
  tables.not_comparable.setRows(groups.not_comparable, ctx);
  ui.preliminarySection.hidden = groups.preliminary.length === 0;
  ui.notComparableSection.hidden = groups.not_comparable.length === 0;
  markScrollingBoards();
}

/**
 * A table box that scrolls sideways (a narrow window, not a phone, where
 * the rows are cards) can be focused, so that it scrolls with the keyboard
 * too; a box that does not scroll is no stop on the Tab key.
 */
function markScrollingBoards() {
  for (const wrap of document.querySelectorAll('.lb-board')) {
    const table = wrap.querySelector('table');
    if (wrap.scrollWidth > wrap.clientWidth + 1 && !wrap.closest('[hidden]')) {
      wrap.tabIndex = 0;
      wrap.setAttribute('role', 'group');
      if (table && table.getAttribute('aria-labelledby')) wrap.setAttribute('aria-labelledby', table.getAttribute('aria-labelledby'));
    } else {
      wrap.removeAttribute('tabindex');
      wrap.removeAttribute('role');
      wrap.removeAttribute('aria-labelledby');
    }
  }
}
if (typeof ResizeObserver === 'function') {
  const observer = new ResizeObserver(() => markScrollingBoards());
  for (const wrap of document.querySelectorAll('.lb-board')) observer.observe(wrap);
}

/** Fill the pickers from GET /leaderboard/scopes; without it they offer "All" and the choice. */
async function loadScopes() {
  try {
    const scopes = await get('/leaderboard/scopes');
    if (scopes && typeof scopes === 'object') {
      scopesMinVotes = isNum(scopes.min_votes) ? scopes.min_votes : null;
      const focused = document.activeElement;
      fillPickers(ui, scopes, choice);
      // Refilled while the voter is on a picker: it keeps the focus.
      if (focused instanceof HTMLElement && focused !== document.activeElement) focused.focus();
    }
  } catch {
    // The board still shows; the pickers offer what the address asked for.
  }
}

let token = 0;
let refreshing = false; // the voter pressed Refresh: the button gets its focus back

async function load() {
  const mine = ++token;
  document.body.dataset.state = 'loading';
  ui.ranked.setAttribute('aria-busy', 'true');
  ui.refresh.disabled = true;
  try {
    // The exams' results come with the board, so that "ready" shows both.
    const [data] = await Promise.all([
      get(`/leaderboard${boardQuery(choice)}`),
      examsListed.then(() => exams.fetch()),
    ]);
    if (mine !== token) return;
    clearError(ui.error);
    render(data && typeof data === 'object' ? data : {});
    showPlots(choice, data && typeof data.computed_at === 'string' ? data.computed_at : '');
    document.body.dataset.state = 'ready';
  } catch (err) {
    if (mine !== token) return;
    showError(ui.error, t('lb.loadFailed'), err);
    if (!Object.values(tables).some((x) => x.hasRows())) tables.ranked.setMessage(t('lb.unavailable'));
    document.body.dataset.state = 'error';
  } finally {
    if (mine === token) {
      ui.ranked.setAttribute('aria-busy', 'false');
      ui.refresh.disabled = false;
      // The button keeps focus across a refresh: it was only disabled meanwhile.
      if (document.activeElement === document.body && refreshing) ui.refresh.focus();
      refreshing = false;
    }
  }
}

ui.refresh.addEventListener('click', () => {
  refreshing = true;
  exams.forget();
  load();
  loadScopes();
});

/** Show the board now chosen, and keep the choice in the page's address. */
function choose() {
  choice.category = ui.category.value;
  choice.language = ui.language.value;
  choice.style = ui.styleToggle.checked;
  choice.deprecated = ui.deprecatedToggle.checked;
  keepInUrl(choice);
  load();
}
ui.category.addEventListener('change', choose);
ui.language.addEventListener('change', choose);
ui.styleToggle.addEventListener('change', choose);
ui.deprecatedToggle.addEventListener('change', choose);

/** Show the exams now chosen, and keep them in the page's address. */
function chooseExams() {
  exams.read();
  keepExamsInUrl(examChoice);
  load();
}
ui.examList.addEventListener('change', chooseExams);
ui.freshToggle.addEventListener('change', chooseExams);

load();
loadScopes();
