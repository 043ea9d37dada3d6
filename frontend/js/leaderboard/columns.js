// Leaderboard page: the columns of the three tables (ranked, preliminary,
// not comparable yet): what each header says, how each cell is filled, and
// how a column sorts. Model names and all other server text are inserted
// as text only.

import { formatCi, isNum, percent, rankDelta, reasonText, textOf, whole, winsText } from './format.js';
import { t } from '../i18n/index.js';

/**
 * @typedef {object} Column
 * @property {string} key       the cell's class and the column's sort key
 * @property {() => string} label  the header, in the interface language
 * @property {() => string} [title] a longer explanation of the header
 * @property {() => string} [spoken] what a screen reader says for a header
 *   whose label is only a sign (Δ); the label is then hidden from it
 * @property {(row: any, ctx: {minVotes: number|null}) => Node|string} cell
 * @property {((row: any) => number|string|null)} [sortValue] sortable when given
 * @property {"ascending"|"descending"} [firstDirection] the first click's order
 * @property {string} [className] another class of the column's header and cells
 * @property {(row: any) => Record<string, string|number|null|undefined>} [cellData]
 *   data-* attributes of a cell (null and undefined ones are left out)
 */

const span = (cls, text) => {
  const el = document.createElement('span');
  el.className = cls;
  el.textContent = text;
  return el;
};

/**
 * The model's display name (laid out by its own script), a link to the
 * model's page, and, when it differs, its slug.
 */
function modelCell(row) {
  const frag = span('lb-model', '');
  const slug = typeof row.model === 'string' ? row.model : '';
  const name = span('model-name', textOf(row.display_name) || slug);
  name.dir = 'auto';
  if (slug) {
    // The model's page: its rating over time.
    const link = document.createElement('a');
    link.className = 'lb-model-link';
    link.href = `/model?name=${encodeURIComponent(slug)}`;
    link.append(name);
    frag.append(link);
  } else {
    frag.append(name);
  }
  if (slug && slug !== row.display_name) {
    const small = document.createElement('small');
    small.className = 'model-slug';
    small.dir = 'ltr';
    small.textContent = slug;
    frag.append(small);
  }
  return frag;
}

/** "—" and why, for a model that is not ranked: never a number. */
function noRatingCell(row, ctx) {
  const wrap = span('lb-no-rating', '');
  const dash = span('lb-dash', '—');
  dash.setAttribute('aria-hidden', 'true');
  wrap.append(dash, span('visually-hidden', t('lb.noRating')));
  const reason = reasonText(row, ctx.minVotes);
  if (reason) wrap.append(span('lb-reason', reason));
  return wrap;
}

function optionalText(v) {
  const text = textOf(v);
  return text ? text : span('muted', '—');
}

const compareText = (v) => (textOf(v) ? textOf(v) : null);

/** The row's style-controlled numbers (`?style_control=true`), or {}. */
const styleOf = (row) => (row.style_control && typeof row.style_control === 'object' ? row.style_control : {});

/** "↑2" (said "up 2 places"), "↓1" or "="; "—" for a model without a style rank. */
function deltaCell(row) {
  const delta = rankDelta(styleOf(row).rank_delta);
  if (!delta) return '—';
  const wrap = span(`lb-delta is-${delta.direction}`, '');
  const mark = span('lb-delta-mark', delta.mark);
  mark.setAttribute('aria-hidden', 'true');
  mark.dir = 'ltr';
  wrap.append(mark, span('visually-hidden', delta.words));
  return wrap;
}

const COLUMNS = {
  rank: {
    key: 'rank',
    label: () => t('lb.col.rank'),
    title: () => t('lb.col.rankTitle'),
    cell: (row) => (isNum(row.rank) ? whole(row.rank) : '—'),
    sortValue: (row) => (isNum(row.rank) ? row.rank : null),
    firstDirection: 'ascending',
  },
  styleRank: {
    key: 'style-rank',
    label: () => t('lb.col.styleRank'),
    title: () => t('lb.col.styleRankTitle'),
    cell: (row) => (isNum(styleOf(row).rank) ? whole(styleOf(row).rank) : '—'),
    sortValue: (row) => (isNum(styleOf(row).rank) ? styleOf(row).rank : null),
    firstDirection: 'ascending',
  },
  rankDelta: {
    key: 'rank-delta',
    label: () => t('lb.col.delta'),
    spoken: () => t('lb.col.deltaSpoken'),
    title: () => t('lb.col.deltaTitle'),
    cell: (row) => deltaCell(row),
    sortValue: (row) => (isNum(styleOf(row).rank_delta) ? styleOf(row).rank_delta : null),
    firstDirection: 'descending',
  },
  model: {
    key: 'model',
    label: () => t('lb.col.model'),
    cell: (row) => modelCell(row),
    sortValue: (row) => textOf(row.display_name) || textOf(row.model) || null,
    firstDirection: 'ascending',
  },
  rating: {
    key: 'rating',
    label: () => t('lb.col.rating'),
    cell: (row) => whole(row.rating),
    sortValue: (row) => (isNum(row.rating) ? row.rating : null),
    firstDirection: 'descending',
  },
  noRating: {
    key: 'rating',
    label: () => t('lb.col.rating'),
    cell: (row, ctx) => noRatingCell(row, ctx),
  },
  ci: {
    key: 'ci',
    label: () => t('lb.col.ci'),
    title: () => t('lb.col.ciTitle'),
    cell: (row) => {
      const el = span('lb-ci', formatCi(row.ci_lower, row.ci_upper));
      el.dir = 'ltr'; // lower bound first, whatever the interface direction
      return el;
    },
    sortValue: (row) => (isNum(row.ci_lower) ? row.ci_lower : null),
    firstDirection: 'descending',
  },
  winRate: {
    key: 'win-rate',
    label: () => t('lb.col.winRate'),
    title: () => t('lb.col.winRateTitle'),
    cell: (row) => {
      const el = span('lb-win-rate', percent(row.win_rate));
      const wins = winsText(row.wins, row.battles);
      if (wins) el.title = wins;
      return el;
    },
    sortValue: (row) => (isNum(row.win_rate) ? row.win_rate : null),
    firstDirection: 'descending',
  },
  battles: {
    key: 'battles',
    label: () => t('lb.col.battles'),
    title: () => t('lb.col.battlesTitle'),
    cell: (row) => whole(isNum(row.battles) ? row.battles : row.votes),
    sortValue: (row) => (isNum(row.battles) ? row.battles : isNum(row.votes) ? row.votes : null),
    firstDirection: 'descending',
  },
  organization: {
    key: 'organization',
    label: () => t('lb.col.organization'),
    cell: (row) => optionalText(row.organization),
    sortValue: (row) => compareText(row.organization),
    firstDirection: 'ascending',
  },
  license: {
    key: 'license',
    label: () => t('lb.col.license'),
    cell: (row) => optionalText(row.license),
    sortValue: (row) => compareText(row.license),
    firstDirection: 'ascending',
  },
  elo: {
    key: 'elo',
    label: () => t('lb.col.elo'),
    title: () => t('lb.col.eloTitle'),
    cell: (row) => whole(row.elo),
    sortValue: (row) => (isNum(row.elo) ? row.elo : null),
    firstDirection: 'descending',
  },
};

/** The ranked table: every number, ordered by rank. */
export const RANKED_COLUMNS = [
  COLUMNS.rank,
  COLUMNS.model,
  COLUMNS.rating,
  COLUMNS.ci,
  COLUMNS.winRate,
  COLUMNS.battles,
  COLUMNS.organization,
  COLUMNS.license,
  COLUMNS.elo,
];

/**
 * The ranked table with style control on: Rank (StyleCtrl) and how many
 * places each model climbs or falls beside the plain rank.
 */
export const STYLE_RANKED_COLUMNS = [
  COLUMNS.rank,
  COLUMNS.styleRank,
  COLUMNS.rankDelta,
  ...RANKED_COLUMNS.slice(1),
];

/** Preliminary and not comparable: no rank, no rating, no interval; why not instead. */
export const UNRANKED_COLUMNS = [
  COLUMNS.model,
  COLUMNS.noRating,
  COLUMNS.winRate,
  COLUMNS.battles,
  COLUMNS.organization,
  COLUMNS.license,
];
