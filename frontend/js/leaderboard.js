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
// The page is split into modules under ./leaderboard/:
//   format.js   how numbers, intervals and reasons are written
//   columns.js  the columns of the tables
//   table.js    a sortable table

import { startPage, formatDate, formatNumber, t, tn } from './i18n/index.js';
import { getLeaderboard, showError, clearError } from './api.js';
import { isNum } from './leaderboard/format.js';
import { RANKED_COLUMNS, UNRANKED_COLUMNS } from './leaderboard/columns.js';
import { boardTable } from './leaderboard/table.js';

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
  preliminarySection: $('lb-preliminary'),
  notComparableSection: $('lb-not-comparable'),
};

const METHOD_KEYS = {
  elo: () => t('lb.method.elo'),
  bt: () => t('lb.method.bt'),
  bradley_terry: () => t('lb.method.bt'),
};

const tables = {
  ranked: boardTable(ui.ranked, RANKED_COLUMNS, { key: 'rank', direction: 'ascending' }),
  preliminary: boardTable($('preliminary'), UNRANKED_COLUMNS, { key: 'battles', direction: 'descending' }),
  not_comparable: boardTable($('not-comparable'), UNRANKED_COLUMNS, { key: 'battles', direction: 'descending' }),
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
  const minVotes = isNum(data.min_votes) ? data.min_votes : null;
  ui.minVotes.textContent = minVotes !== null ? tn('lb.minVotes', minVotes) : '';
  ui.minVotes.hidden = minVotes === null;

  const groups = { ranked: [], preliminary: [], not_comparable: [] };
  for (const row of rows) groups[statusOf(row)].push(row);
  const ctx = { minVotes };
  if (groups.ranked.length > 0) tables.ranked.setRows(groups.ranked, ctx);
  else tables.ranked.setMessage(rows.length === 0 ? t('lb.noneRated') : t('lb.noneRanked'));
  tables.preliminary.setRows(groups.preliminary, ctx);
  tables.not_comparable.setRows(groups.not_comparable, ctx);
  ui.preliminarySection.hidden = groups.preliminary.length === 0;
  ui.notComparableSection.hidden = groups.not_comparable.length === 0;
}

let token = 0;
let refreshing = false; // the voter pressed Refresh: the button gets its focus back

async function load() {
  const mine = ++token;
  document.body.dataset.state = 'loading';
  ui.ranked.setAttribute('aria-busy', 'true');
  ui.refresh.disabled = true;
  try {
    const data = await getLeaderboard();
    if (mine !== token) return;
    clearError(ui.error);
    render(data && typeof data === 'object' ? data : {});
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
  load();
});
load();
