// Exam page: the exam beside the arena (GET /api/v1/exams/{name}/comparison):
// the ranked models, best arena rating first, with their accuracy on the
// exam, their place in each order and the gap between the two; the models
// whose places differ most marked "disagree" (in words, not colour only);
// Spearman's ρ between the two orders with its 95% interval; the models in
// one order only; and a small scatter plot of the same numbers (the table
// is its accessible version).

import { formatNumber, isolate, locale, t, tn } from '../i18n/index.js';
import { accuracyWithCi, isNum, whole } from '../leaderboard/format.js';
import { cell, messageRow, modelHeader, numberSpan, span } from './cells.js';

const TWO = { minimumFractionDigits: 2, maximumFractionDigits: 2 };

/** A place, 1 for the best; tied models share a mean place such as 2.5. */
const place = (v) => (isNum(v) ? formatNumber(v, { maximumFractionDigits: 1 }) : '—');

/** A signed gap of places: "+3", "−1.5", "0". */
const gap = (v) => (isNum(v) ? formatNumber(v, { maximumFractionDigits: 1, signDisplay: 'exceptZero' }) : '—');

/** `text` isolated left to right (a signed number, an interval) inside a sentence of either direction. */
const ltr = (text) => `\u2066${text}\u2069`;

/** "Spearman's ρ = 0.30, 95% CI [−0.78, 0.91], 5 models (p = 0.62)", or why there is none. */
export function spearmanText(s) {
  if (!s || typeof s !== 'object' || !isNum(s.rho)) return t('exam.spearman.none');
  const n = isNum(s.n) ? s.n : 0;
  const params = {
    rho: ltr(formatNumber(s.rho, TWO)),
    p: isNum(s.p_value) ? ltr(formatNumber(s.p_value, TWO)) : '—',
  };
  if (isNum(s.ci_lower) && isNum(s.ci_upper)) {
    // The interval reads left to right, lower bound first, in every language.
    const ci = t('lb.ci', { lower: formatNumber(s.ci_lower, TWO), upper: formatNumber(s.ci_upper, TWO) });
    return tn('exam.spearman.ci', n, { ...params, ci: ltr(ci) });
  }
  return tn('exam.spearman.noCi', n, params);
}

/** "a, b and c", in the interface language; each name kept in its own direction. */
function nameList(names) {
  const list = names.map((n) => isolate(n));
  try {
    return new Intl.ListFormat(locale(), { type: 'conjunction' }).format(list);
  } catch {
    return list.join(', ');
  }
}

/**
 * Fill the comparison: the sentence on Spearman's ρ, the models in one
 * order only, the table and the scatter plot.
 * @param {{spearman: HTMLElement, arenaOnly: HTMLElement, examOnly: HTMLElement, body: HTMLTableSectionElement, figure: HTMLElement, scatter: HTMLElement}} ui
 * @param {any} data the comparison
 */
export function renderComparison(ui, data) {
  const models = Array.isArray(data.models) ? data.models.filter((m) => m && typeof m.model === 'string') : [];
  const disagree = new Set(Array.isArray(data.disagreements) ? data.disagreements : []);
  ui.spearman.textContent = spearmanText(data.spearman);
  const only = (el, list, key) => {
    const names = Array.isArray(list) ? list.filter((x) => typeof x === 'string') : [];
    el.textContent = names.length > 0 ? tn(key, names.length, { models: nameList(names) }) : '';
    el.hidden = names.length === 0;
  };
  only(ui.arenaOnly, data.arena_only, 'exam.arenaOnly');
  only(ui.examOnly, data.exam_only, 'exam.examOnly');

  if (models.length === 0) {
    ui.body.replaceChildren(messageRow(t('exam.comparison.none'), 7));
  } else {
    ui.body.replaceChildren(
      ...models.map((m) => {
        const tr = document.createElement('tr');
        tr.dataset.model = m.model;
        const gapCell = cell('gap', [numberSpan(gap(m.place_gap))]);
        if (disagree.has(m.model)) {
          tr.classList.add('is-disagreement');
          gapCell.append(' ', span('exam-badge', t('exam.disagree')));
        }
        tr.append(
          modelHeader(m.model, m.display_name),
          cell('rating', whole(m.arena_rating)),
          cell('rank', isNum(m.arena_rank) ? whole(m.arena_rank) : '—'),
          cell('accuracy', accuracyWithCi(m.accuracy, m.ci_lower, m.ci_upper), 'ltr'),
          cell('place', place(m.arena_place)),
          cell('place', place(m.exam_place)),
          gapCell,
        );
        return tr;
      }),
    );
  }
  drawScatter(ui, models, disagree, spearmanText(data.spearman));
}

const SVG = 'http://www.w3.org/2000/svg';

function svgEl(name, attrs, text) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * Arena rating across, accuracy (with its interval) up, one labelled dot
 * per model; the models marked "disagree" are squares. Hidden below two
 * models.
 */
function drawScatter(ui, models, disagree, spearman) {
  const points = models.filter((m) => isNum(m.arena_rating) && isNum(m.accuracy));
  ui.figure.hidden = points.length < 2;
  if (points.length < 2) {
    ui.scatter.replaceChildren();
    return;
  }
  const W = 520;
  const H = 320;
  const pad = { left: 64, right: 24, top: 16, bottom: 52 };
  const ratings = points.map((m) => m.arena_rating);
  let lo = Math.min(...ratings);
  let hi = Math.max(...ratings);
  const margin = Math.max(10, (hi - lo) * 0.12);
  lo -= margin;
  hi += margin;
  const x = (v) => pad.left + ((v - lo) / (hi - lo)) * (W - pad.left - pad.right);
  const y = (v) => H - pad.bottom - Math.min(1, Math.max(0, v)) * (H - pad.top - pad.bottom);

  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'exam-scatter-svg', direction: 'ltr' });
  svg.setAttribute('aria-label', tn('exam.scatter.label', points.length, { spearman: spearman.replace(/[.。]\s*$/u, '') }));
  const axes = svgEl('g', { class: 'exam-axes' });
  axes.append(
    svgEl('line', { x1: pad.left, y1: H - pad.bottom, x2: W - pad.right, y2: H - pad.bottom }),
    svgEl('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: H - pad.bottom }),
  );
  for (const v of [0, 0.5, 1]) {
    axes.append(svgEl('line', { x1: pad.left - 4, y1: y(v), x2: W - pad.right, y2: y(v), class: 'exam-grid' }));
    axes.append(svgEl('text', { x: pad.left - 8, y: y(v) + 4, 'text-anchor': 'end', class: 'exam-tick' }, formatNumber(v, { style: 'percent', maximumFractionDigits: 0 })));
  }
  for (const v of [Math.min(...ratings), Math.max(...ratings)]) {
    axes.append(svgEl('text', { x: x(v), y: H - pad.bottom + 18, 'text-anchor': 'middle', class: 'exam-tick' }, whole(v)));
  }
  axes.append(
    svgEl('text', { x: (pad.left + W - pad.right) / 2, y: H - 8, 'text-anchor': 'middle', class: 'exam-axis-title' }, t('exam.col.arenaRating')),
    svgEl('text', { x: 14, y: (pad.top + H - pad.bottom) / 2, 'text-anchor': 'middle', class: 'exam-axis-title', transform: `rotate(-90 14 ${(pad.top + H - pad.bottom) / 2})` }, t('exam.scatter.yAxis')),
  );
  svg.append(axes);
  for (const m of points) {
    const g = svgEl('g', { class: disagree.has(m.model) ? 'exam-point is-disagreement' : 'exam-point' });
    const cx = x(m.arena_rating);
    const cy = y(m.accuracy);
    if (isNum(m.ci_lower) && isNum(m.ci_upper)) {
      g.append(svgEl('line', { x1: cx, y1: y(m.ci_lower), x2: cx, y2: y(m.ci_upper), class: 'exam-whisker' }));
    }
    g.append(
      disagree.has(m.model)
        ? svgEl('rect', { x: cx - 5, y: cy - 5, width: 10, height: 10, class: 'exam-dot' })
        : svgEl('circle', { cx, cy, r: 5, class: 'exam-dot' }),
    );
    const right = cx < W / 2;
    g.append(svgEl('text', { x: right ? cx + 9 : cx - 9, y: cy - 7, 'text-anchor': right ? 'start' : 'end', class: 'exam-label' }, m.display_name || m.model));
    svg.append(g);
  }
  ui.scatter.replaceChildren(svg);
}
