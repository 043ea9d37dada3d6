// Leaderboard page: how a row's numbers are written, in the interface
// language (Intl). A model that is not ranked has no rating to show: only
// "—" and the reason, never a number.

import { formatNumber, locale, t, tn } from '../i18n/index.js';

export const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

/** A whole number, e.g. a rating; never "-0". */
export function whole(v) {
  return isNum(v) ? formatNumber(Math.round(v), { maximumFractionDigits: 0 }) : '—';
}

/**
 * The 95% interval as "[lower, upper]", rounded; "—" when unknown. A bound
 * that rounds to zero is written as 0, never "−0".
 * @param {unknown} lower
 * @param {unknown} upper
 */
export function formatCi(lower, upper) {
  if (!isNum(lower) || !isNum(upper)) return '—';
  return t('lb.ci', { lower: whole(lower), upper: whole(upper) });
}

/** A share of 0..1 as a percentage, e.g. "63%". */
export function percent(v) {
  return isNum(v) ? formatNumber(Math.min(1, Math.max(0, v)), { style: 'percent', maximumFractionDigits: 0 }) : '—';
}

/** "6.5 wins in 10 battles (a tie counts as half a win)". */
export function winsText(wins, battles) {
  if (!isNum(wins) || !isNum(battles)) return '';
  return tn('lb.winsOf', battles, { wins: formatNumber(wins, { maximumFractionDigits: 1 }) });
}

/**
 * Why a model is not ranked. In English the server's own sentence (it
 * knows best); in another language the same reason from the catalogue.
 * @param {{status?: string, status_reason?: string|null, battles?: number}} row
 * @param {number|null} minVotes
 */
export function reasonText(row, minVotes) {
  const server = typeof row.status_reason === 'string' ? row.status_reason.trim() : '';
  if (locale() === 'en' && server) return server;
  if (row.status === 'not_comparable') return t('lb.reason.notComparable');
  if (isNum(minVotes) && isNum(row.battles) && row.battles < minVotes) {
    return tn('lb.reason.fewBattles', minVotes);
  }
  if (row.status === 'preliminary') return t('lb.reason.preliminary');
  return server;
}

/** A text value of a row, or "" (organisation, licence). */
export function textOf(v) {
  return typeof v === 'string' ? v.trim() : '';
}

/**
 * A style coefficient (log-odds per standard deviation), signed, with two
 * decimals: "+0.42", "−0.10", "0.00".
 * @param {unknown} v
 */
export function coefficient(v) {
  return isNum(v) ? formatNumber(v, { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' }) : '—';
}

/** A coefficient's 95% interval, "[0.30, 0.55]"; "—" when unknown. */
export function coefficientCi(lower, upper) {
  if (!isNum(lower) || !isNum(upper)) return '—';
  const two = (v) => formatNumber(v, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return t('lb.ci', { lower: two(lower), upper: two(upper) });
}

/**
 * How a rank moves when style is held equal (rank_delta = plain rank −
 * Rank (StyleCtrl)): the mark shown ("↑2", "↓1", "="), the words a screen
 * reader says instead ("up 2 places"), and the direction ("up", "down",
 * "same"); null when there is no change to show.
 * @param {unknown} delta
 * @returns {{mark: string, words: string, direction: "up"|"down"|"same"} | null}
 */
export function rankDelta(delta) {
  if (!isNum(delta)) return null;
  const n = Math.round(delta);
  if (n > 0) return { mark: `↑${formatNumber(n)}`, words: tn('lb.delta.up', n), direction: 'up' };
  if (n < 0) return { mark: `↓${formatNumber(-n)}`, words: tn('lb.delta.down', -n), direction: 'down' };
  return { mark: '=', words: t('lb.delta.same'), direction: 'same' };
}

const ONE_DECIMAL = { minimumFractionDigits: 1, maximumFractionDigits: 1 };

/** An exam accuracy (a share of 0..1) as a percentage with one decimal, "73.3%". */
export function accuracy(v) {
  return isNum(v) ? formatNumber(Math.min(1, Math.max(0, v)), { style: 'percent', ...ONE_DECIMAL }) : '—';
}

/** An accuracy's 95% interval in percent, "[55.6, 85.8]"; "" when unknown. */
export function accuracyCi(lower, upper) {
  if (!isNum(lower) || !isNum(upper)) return '';
  const pct = (v) => formatNumber(Math.min(100, Math.max(0, v * 100)), ONE_DECIMAL);
  return t('lb.ci', { lower: pct(lower), upper: pct(upper) });
}

/** "73.3% [55.6, 85.8]": an accuracy with its 95% interval; "—" when unknown. */
export function accuracyWithCi(v, lower, upper) {
  if (!isNum(v)) return '—';
  const ci = accuracyCi(lower, upper);
  return ci ? `${accuracy(v)} ${ci}` : accuracy(v);
}

/** Whether a model may have seen an exam, in words: "fresh", "possibly seen", "unknown"; "" otherwise. */
export function contaminationText(c) {
  if (c === 'fresh') return t('exam.contamination.fresh');
  if (c === 'possibly_seen') return t('exam.contamination.possiblySeen');
  if (c === 'unknown') return t('exam.contamination.unknown');
  return '';
}

/** Why a model is marked so, for a tooltip; "" otherwise. */
export function contaminationTitle(c) {
  if (c === 'fresh') return t('exam.contamination.freshTitle');
  if (c === 'possibly_seen') return t('exam.contamination.possiblySeenTitle');
  if (c === 'unknown') return t('exam.contamination.unknownTitle');
  return '';
}
