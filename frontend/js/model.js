// Model page (/model?name=X): the model's rating over time, drawn by the
// server (GET /api/v1/plots/history?models=X&reference=R, SVG in an <img>),
// and the same points as a table from GET /api/v1/models/{name}/history:
// each snapshot's time, rating, 95% interval, rank, battles, the reference
// model it used and the gap to it with its interval. The reference drawn is
// the one the latest snapshot used. Model names are inserted as text only.
//
// document.body.dataset.state is "loading", "ready" or "error".

import { formatDate, formatNumber, isolate, startPage, t } from './i18n/index.js';
import { ApiError, get, showError } from './api.js';
import { formatCi, isNum, whole } from './leaderboard/format.js';

startPage();

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`model page is missing #${id}`);
  return el;
};

const ui = {
  error: $('error'),
  name: $('model-name'),
  figure: $('model-figure'),
  chart: /** @type {HTMLImageElement} */ ($('model-chart')),
  none: $('model-none'),
  table: $('model-history'),
  body: $('model-history-body'),
};

const name = (new URL(window.location.href).searchParams.get('name') || '').trim();

/** A signed whole number: "+12", "−3", "0". */
function signed(v) {
  return isNum(v) ? formatNumber(Math.round(v), { signDisplay: 'exceptZero', maximumFractionDigits: 0 }) : '—';
}

function cell(cls, text, dir) {
  const td = document.createElement('td');
  td.className = cls;
  td.textContent = text;
  if (dir) td.dir = dir;
  return td;
}

/** The gap to the reference with its interval, or "—". */
function gapText(gap) {
  if (!gap || typeof gap !== 'object') return '—';
  const value = isNum(gap.gap) ? gap.gap : gap.value;
  if (!isNum(value)) return '—';
  if (!isNum(gap.ci_lower) || !isNum(gap.ci_upper)) return signed(value);
  return t('model.gap', { gap: signed(value), lower: signed(gap.ci_lower), upper: signed(gap.ci_upper) });
}

function renderPoints(points) {
  const rows = points.map((p) => {
    const tr = document.createElement('tr');
    tr.dataset.snapshot = String(p.snapshot ?? '');
    const when = typeof p.taken_at === 'string' ? formatDate(p.taken_at) : '';
    const time = cell('time', when || '—');
    if (typeof p.taken_at === 'string') time.title = p.taken_at;
    tr.append(
      time,
      cell('rating', whole(p.rating)),
      cell('ci', formatCi(p.ci_lower, p.ci_upper), 'ltr'),
      cell('rank', isNum(p.rank) ? whole(p.rank) : '—'),
      cell('battles', isNum(p.battles) ? whole(p.battles) : '—'),
      cell('reference', typeof p.reference_model === 'string' ? p.reference_model : '—', 'auto'),
      cell('gap', gapText(p.gap_to_reference), 'ltr'),
    );
    return tr;
  });
  ui.body.replaceChildren(...rows);
  ui.none.hidden = rows.length > 0;
}

function showChart(reference) {
  const params = new URLSearchParams({ models: name });
  if (reference && reference !== name) params.set('reference', reference);
  ui.chart.alt = t('model.chartAlt', { model: isolate(name) });
  ui.figure.hidden = false;
  ui.chart.src = `/api/v1/plots/history?${params}`;
}

async function load() {
  ui.name.textContent = name || '—';
  if (!name) {
    showError(ui.error, t('model.noName'), t('model.noName'));
    ui.table.setAttribute('aria-busy', 'false');
    document.body.dataset.state = 'error';
    return;
  }
  document.title = `${name} · ${document.title}`;
  try {
    const data = await get(`/models/${encodeURIComponent(name)}/history`);
    const points = Array.isArray(data && data.points) ? data.points.filter((p) => p && typeof p === 'object') : [];
    renderPoints(points);
    const latest = points.length > 0 ? points[points.length - 1] : null;
    showChart(latest && typeof latest.reference_model === 'string' ? latest.reference_model : '');
    document.body.dataset.state = 'ready';
  } catch (err) {
    const title = err instanceof ApiError && err.code === 'model_not_found'
      ? t('model.notFound', { name: isolate(name) })
      : t('model.loadFailed');
    showError(ui.error, title, err);
    document.body.dataset.state = 'error';
  } finally {
    ui.table.setAttribute('aria-busy', 'false');
  }
}

load();
