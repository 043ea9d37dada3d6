// Leaderboard page: the style coefficients of a style-controlled board
// (`?style_control=true`): how much each feature of an answer's style
// (length, Markdown headers, lists, bold text) swayed the votes, with its
// 95% interval, in log-odds per standard deviation of the normalised
// style difference between the two answers.

import { t, tn } from '../i18n/index.js';
import { coefficient, coefficientCi, isNum } from './format.js';

const FEATURES = {
  length: () => t('lb.style.feature.length'),
  headers: () => t('lb.style.feature.headers'),
  lists: () => t('lb.style.feature.lists'),
  bold: () => t('lb.style.feature.bold'),
};

/** A feature's name in the interface language (the server's name when unknown). */
export function featureName(feature) {
  return FEATURES[feature] ? FEATURES[feature]() : String(feature);
}

function cell(tag, cls, text) {
  const el = document.createElement(tag);
  el.className = cls;
  el.textContent = text;
  return el;
}

/**
 * Fill the coefficients' table body and the note on how many battles the
 * fit used, from the board's `style_control`.
 * @param {{body: HTMLTableSectionElement, battles: HTMLElement}} ui
 * @param {any} summary `style_control` of GET /api/v1/leaderboard
 */
export function renderCoefficients(ui, summary) {
  const s = summary && typeof summary === 'object' ? summary : {};
  const list = Array.isArray(s.coefficients) ? s.coefficients.filter((c) => c && typeof c.feature === 'string') : [];
  ui.battles.textContent = isNum(s.battles) ? tn('lb.style.battles', s.battles) : '';
  if (list.length === 0) {
    const tr = document.createElement('tr');
    const td = cell('td', 'lb-placeholder-cell', t('lb.style.none'));
    td.colSpan = 3;
    tr.className = 'lb-placeholder';
    tr.append(td);
    ui.body.replaceChildren(tr);
    return;
  }
  ui.body.replaceChildren(
    ...list.map((c) => {
      const tr = document.createElement('tr');
      tr.dataset.feature = c.feature;
      const name = cell('th', 'feature', featureName(c.feature));
      name.scope = 'row';
      // Numbers read left to right (the sign first), whatever the interface direction.
      const number = (cls, text) => {
        const td = document.createElement('td');
        td.className = cls;
        const inner = cell('span', 'lb-number', text);
        inner.dir = 'ltr';
        td.append(inner);
        return td;
      };
      tr.append(name, number('value', coefficient(c.value)), number('ci', coefficientCi(c.ci_lower, c.ci_upper)));
      return tr;
    }),
  );
}
