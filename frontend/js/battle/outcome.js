// Battle page: the outcome of a round: the models revealed after a vote, and
// forgetting all of it when the next round starts.

import { clearError } from '../api.js';
import { answerMeta, SIDES, ui } from './state.js';
import { displayName } from './named.js';

export const VERDICTS = {
  model_a: 'A is better',
  model_b: 'B is better',
  tie: 'Tie',
  'tie (bothbad)': 'Both are bad',
};

/** Forget the last round: reveal, vote result, void notice, error. */
export function resetRound() {
  for (const key of SIDES) {
    const side = ui.side[key];
    side.name.textContent = `Model ${side.letter}`;
    side.slug.textContent = '';
    side.slug.hidden = true;
    side.badge.textContent = '';
    side.badge.hidden = true;
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
  ui.namedNotice.hidden = true;
  ui.newRound.hidden = true;
  ui.demoLabel.hidden = true;
  ui.meta.textContent = '';
  delete ui.panes.dataset.turns;
  answerMeta.clear();
  clearError(ui.error);
}

/** Name the model of one pane: "Model A: <display name>", with its slug when it differs. */
function showModelName(side, slug, display) {
  side.name.textContent = `Model ${side.letter}: ${display}`;
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

export function reveal(res, verdict) {
  const names = {};
  for (const key of SIDES) {
    const slug = typeof res[`model_${key}`] === 'string' ? res[`model_${key}`] : '';
    const display = res[`model_${key}_display`] || slug || 'unknown model';
    names[key] = display;
    showModelName(ui.side[key], slug, display);
  }
  // #not-counted (below) now says whether the vote counted.
  ui.namedNotice.hidden = true;

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
    badge(win, 'Winner');
    line = `You preferred Model ${win.letter}: ${winName} over ${loseName}.`;
  } else if (v === 'tie') {
    a.pane.classList.add('is-tie');
    b.pane.classList.add('is-tie');
    badge(a, 'Tie');
    badge(b, 'Tie');
    line = `You called it a tie between ${names.a} and ${names.b}.`;
  } else {
    a.pane.classList.add('is-bad');
    b.pane.classList.add('is-bad');
    badge(a, 'Bad');
    badge(b, 'Bad');
    line = `You rated both answers as bad (${names.a} and ${names.b}).`;
  }
  if (res.counted !== false) line += ' Thanks for voting!';
  ui.result.textContent = line;
  ui.result.className = 'result result-done';

  if (res.counted === false) {
    // The detail says what the reason's code means for this vote.
    const detail = typeof res.not_counted_detail === 'string' ? res.not_counted_detail.trim() : '';
    const reason = detail || (typeof res.not_counted_reason === 'string' ? res.not_counted_reason.trim() : '');
    ui.notCounted.textContent = reason
      ? `This vote was recorded but not counted: ${/[.!?]$/.test(reason) ? reason : `${reason}.`}`
      : 'This vote was recorded but does not count towards the leaderboard.';
    ui.notCounted.hidden = false;
  }
}
