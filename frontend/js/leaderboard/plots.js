// Leaderboard page: the plots the server draws as SVG (GET
// /api/v1/plots/{kind}, shown in an <img>, so no script or style of theirs
// reaches the page), and each heatmap's numbers as a data table (GET
// /api/v1/plots/{kind}?format=json), built when its <details> is opened.
// The plots follow the deprecated-models switch; they show the overall
// board whatever the scope pickers say. Model names are inserted as text.

import { formatNumber, t } from '../i18n/index.js';
import { get } from '../api.js';
import { isNum } from './format.js';

/** The query of a plot: the deprecated models when asked for, and the board's version. */
function plotQuery(choice, version) {
  const params = new URLSearchParams();
  if (choice.deprecated) params.set('show_deprecated', 'true');
  if (version) params.set('v', version);
  return params;
}

/**
 * Point every plot of the page at the board now shown; a new `version`
 * (the board's computed_at) makes the browser fetch them again.
 * @param {{deprecated: boolean}} choice
 * @param {string} version
 */
export function showPlots(choice, version) {
  const q = plotQuery(choice, version).toString();
  for (const img of document.querySelectorAll('img[data-plot]')) {
    const src = `/api/v1/plots/${img.dataset.plot}${q ? `?${q}` : ''}`;
    if (img.getAttribute('src') !== src) img.setAttribute('src', src);
  }
  for (const details of document.querySelectorAll('details[data-matrix]')) {
    details.dataset.query = q;
    if (details.open) fillMatrix(details);
    else delete details.dataset.filled;
  }
}

/** A cell's number as the heatmap writes it: a count, or a share with two decimals. */
function cellText(kind, v) {
  if (!isNum(v)) return '—';
  if (kind === 'battle_count') return formatNumber(Math.round(v), { maximumFractionDigits: 0 });
  return formatNumber(v, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function nameCell(tag, name, scope) {
  const cell = document.createElement(tag);
  cell.scope = scope;
  cell.dir = 'auto';
  cell.textContent = name;
  return cell;
}

/** Build the data table of one heatmap from its numbers. */
async function fillMatrix(details) {
  const kind = details.dataset.matrix;
  const query = details.dataset.query || '';
  if (details.dataset.filled === query) return;
  details.dataset.filled = query;
  const table = details.querySelector('table');
  if (!table) return;
  const params = new URLSearchParams(query);
  params.delete('v');
  params.set('format', 'json');
  let data;
  try {
    data = await get(`/plots/${kind}?${params}`);
  } catch {
    delete details.dataset.filled;
    table.replaceChildren(messageRow(t('lb.plots.loadFailed')));
    return;
  }
  if (details.dataset.query !== query) return; // a newer board was asked for meanwhile
  const models = Array.isArray(data && data.models) ? data.models.filter((m) => typeof m === 'string') : [];
  const cells = Array.isArray(data && data.cells) ? data.cells : [];
  if (models.length === 0) {
    table.replaceChildren(messageRow(t('lb.plots.noData')));
    return;
  }
  const thead = document.createElement('thead');
  const head = document.createElement('tr');
  head.append(nameCell('th', t('lb.plots.corner'), 'col'));
  for (const m of models) head.append(nameCell('th', m, 'col'));
  thead.append(head);
  const tbody = document.createElement('tbody');
  models.forEach((m, i) => {
    const tr = document.createElement('tr');
    tr.dataset.model = m;
    tr.append(nameCell('th', m, 'row'));
    models.forEach((_, j) => {
      const td = document.createElement('td');
      const row = Array.isArray(cells[i]) ? cells[i] : [];
      td.textContent = i === j ? '—' : cellText(kind, row[j]);
      tr.append(td);
    });
    tbody.append(tr);
  });
  table.replaceChildren(thead, tbody);
}

function messageRow(text) {
  const tbody = document.createElement('tbody');
  const tr = document.createElement('tr');
  const td = document.createElement('td');
  td.textContent = text;
  tr.append(td);
  tbody.append(tr);
  return tbody;
}

for (const details of document.querySelectorAll('details[data-matrix]')) {
  details.addEventListener('toggle', () => {
    if (details.open) fillMatrix(details);
  });
}
