// Battle page: the outcome of a round: the models revealed after a vote,
// with each answer's speed and length (shown only now, so that they cannot
// sway the vote), and forgetting all of it when the next round starts.

import { clearError } from '../api.js';
import { answerMeta, page, SIDES, ui } from './state.js';
import { displayName } from './named.js';
import { clearAnnouncement } from './announce.js';
import { clearFailed } from './controls.js';
import { formatNumber, isolate, t, tn } from '../i18n/index.js';

/** The words of each verdict, as its button says it. */
export const VERDICTS = {
  model_a: () => t('verdict.model_a'),
  model_b: () => t('verdict.model_b'),
  tie: () => t('verdict.tie'),
  'tie (bothbad)': () => t('verdict.bothbad'),
};

/** Forget the last round: reveal, vote result, void notice, failed turn, error. */
export function resetRound() {
  for (const key of SIDES) {
    const side = ui.side[key];
    side.name.textContent = side.letter === 'A' ? t('side.modelA') : t('side.modelB');
    side.slug.textContent = '';
    side.slug.hidden = true;
    side.badge.textContent = '';
    side.badge.hidden = true;
    side.stats.textContent = '';
    side.stats.hidden = true;
    side.pane.classList.remove('is-winner', 'is-loser', 'is-tie', 'is-bad');
    side.body.setAttribute('aria-busy', 'false');
  }
  for (const btn of ui.voteButtons) {
    btn.classList.remove('is-chosen');
    btn.setAttribute('aria-pressed', 'false');
  }
  ui.result.textContent = '';
  ui.result.className = 'result';
  ui.notCounted.textContent = '';
  ui.notCounted.hidden = true;
  ui.voidReason.textContent = '';
  ui.voidReason.hidden = true;
  clearFailed();
  page.emptyStopped.clear();
  ui.namedNotice.hidden = true;
  ui.newRound.hidden = true;
  ui.demoLabel.hidden = true;
  ui.meta.textContent = '';
  delete ui.panes.dataset.turns;
  answerMeta.clear();
  clearAnnouncement();
  clearError(ui.error);
}

/** Name the model of one pane: "Model A: <display name>", with its slug when it differs. */
function showModelName(side, slug, display) {
  side.name.textContent = t('side.named', { letter: side.letter, name: isolate(display) });
  side.slug.textContent = slug;
  side.slug.hidden = !slug || slug === display;
}

/**
 * A named battle shows its models from the start, as a vote would reveal
 * them, and says that its vote will not be counted.
 */
export function showChosenModels(b) {
  for (const key of SIDES) {
    const slug = typeof b[`model_${key}`] === 'string' ? b[`model_${key}`] : '';
    if (slug) showModelName(ui.side[key], slug, displayName(slug));
  }
  ui.namedNotice.hidden = false;
}

const isCount = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** "850 ms" or "4.2 s", in the interface language. */
function duration(ms) {
  return ms < 1000
    ? formatNumber(Math.round(ms), { style: 'unit', unit: 'millisecond', unitDisplay: 'short' })
    : formatNumber(ms / 1000, { style: 'unit', unit: 'second', unitDisplay: 'short', maximumFractionDigits: 1 });
}

/**
 * The speed and length of one answer, from the vote's `stats`, e.g.
 * "4.2 s · first token after 4.0 s · 40 tokens"; "" when nothing is known.
 * @param {unknown} s {latency_ms, first_token_ms, completion_tokens, finish_reason}
 */
export function statsText(s) {
  if (!s || typeof s !== 'object') return '';
  const parts = [];
  if (isCount(s.latency_ms)) parts.push(t('stats.total', { time: duration(s.latency_ms) }));
  if (isCount(s.first_token_ms)) parts.push(t('stats.firstToken', { time: duration(s.first_token_ms) }));
  if (isCount(s.completion_tokens)) parts.push(tn('stats.tokens', s.completion_tokens));
  if (s.finish_reason === 'stopped') parts.push(t('answer.stopped'));
  else if (s.finish_reason === 'length') parts.push(t('answer.cutOff'));
  return parts.join(' · ');
}

/** Show each answer's speed and length under its pane (live battles). */
function showStats(stats) {
  for (const key of SIDES) {
    const text = stats && typeof stats === 'object' ? statsText(stats[key]) : '';
    ui.side[key].stats.textContent = text;
    ui.side[key].stats.hidden = text === '';
  }
}

export function reveal(res, verdict) {
  const names = {};
  for (const key of SIDES) {
    const slug = typeof res[`model_${key}`] === 'string' ? res[`model_${key}`] : '';
    const display = res[`model_${key}_display`] || slug || t('reveal.unknownModel');
    names[key] = display;
    showModelName(ui.side[key], slug, display);
  }
  showStats(res.stats);
  // #not-counted (below) now says whether the vote counted.
  ui.namedNotice.hidden = true;
  ui.stoppedWarning.hidden = true;

  const v = typeof res.verdict === 'string' && res.verdict in VERDICTS ? res.verdict : verdict;
  const { a, b } = ui.side;
  const badge = (side, text) => {
    side.badge.textContent = text;
    side.badge.hidden = false;
  };
  let line;
  if (v === 'model_a' || v === 'model_b') {
    const [win, lose] = v === 'model_a' ? [a, b] : [b, a];
    const [winName, loseName] = v === 'model_a' ? [names.a, names.b] : [names.b, names.a];
    win.pane.classList.add('is-winner');
    lose.pane.classList.add('is-loser');
    badge(win, t('reveal.badgeWinner'));
    line = t('reveal.preferred', { letter: win.letter, winner: isolate(winName), loser: isolate(loseName) });
  } else if (v === 'tie') {
    a.pane.classList.add('is-tie');
    b.pane.classList.add('is-tie');
    badge(a, t('reveal.badgeTie'));
    badge(b, t('reveal.badgeTie'));
    line = t('reveal.tie', { a: isolate(names.a), b: isolate(names.b) });
  } else {
    a.pane.classList.add('is-bad');
    b.pane.classList.add('is-bad');
    badge(a, t('reveal.badgeBad'));
    badge(b, t('reveal.badgeBad'));
    line = t('reveal.bothBad', { a: isolate(names.a), b: isolate(names.b) });
  }
  if (res.counted !== false) line += ` ${t('reveal.thanks')}`;
  ui.result.textContent = line;
  ui.result.className = 'result result-done';

  if (res.counted === false) {
    // The detail says what the reason's code means for this vote (in the
    // server's words); the code alone is not for voters.
    const detail = typeof res.not_counted_detail === 'string' ? res.not_counted_detail.trim() : '';
    ui.notCounted.textContent = detail
      ? t('reveal.notCountedBecause', { reason: isolate(/[.!?。！？]$/.test(detail) ? detail : `${detail}.`) })
      : t('reveal.notCounted');
    ui.notCounted.hidden = false;
  }
}
