// Results page: the tables and lists, filled from the server's answers.
// Every value is inserted as text, never as HTML; a missing value (null)
// is shown as "—".

import { formatNumber, has, isolate, t, tn } from '../i18n/index.js';

export const NONE = '—';

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const obj = (v) => (v && typeof v === 'object' ? v : null);
const list = (v) => (Array.isArray(v) ? v : []);

/** A number with at most `digits` decimals, or "—". */
export function num(v, digits = 0) {
  return isNum(v) ? formatNumber(v, { maximumFractionDigits: digits, minimumFractionDigits: digits }) : NONE;
}

/** A count, or "—". */
export const count = (v) => (isNum(v) ? formatNumber(v, { maximumFractionDigits: 0 }) : NONE);

/** A fraction (0.5) as a percentage (50.0 %), or "—". */
export function pct(v) {
  return isNum(v)
    ? formatNumber(v, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 })
    : NONE;
}

/** "[lower, upper]", each written by `fmt`, or "—" when either is missing. */
export function interval(lower, upper, fmt) {
  if (!isNum(lower) || !isNum(upper)) return NONE;
  return t('results.interval', { lower: fmt(lower), upper: fmt(upper) });
}

/** A {value, lower, upper} as "value [lower, upper]", or "—". */
export function withInterval(iv, fmt) {
  const v = obj(iv);
  if (!v || !isNum(v.value)) return NONE;
  const range = interval(v.lower, v.upper, fmt);
  return range === NONE ? fmt(v.value) : `${fmt(v.value)} ${range}`;
}

const plain = (v) => (v === null || v === undefined || v === '' ? NONE : String(v));

/**
 * A table cell: a <td>, or a row header <th scope="row"> with `head`.
 * Numbers are marked so that they line up.
 */
function cell(text, { head = false, numeric = false, ltr = false } = {}) {
  const el = document.createElement(head ? 'th' : 'td');
  if (head) el.scope = 'row';
  if (numeric) el.className = 'rs-num';
  if (ltr) el.dir = 'auto';
  el.textContent = text;
  return el;
}

/** Replace the rows of `table`'s body; one "nothing yet" row when there are none. */
function fill(table, rows, columns, emptyKey = 'results.empty') {
  const body = table.tBodies[0];
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    tr.className = 'lb-placeholder';
    const td = document.createElement('td');
    td.colSpan = columns;
    td.textContent = t(emptyKey);
    tr.append(td);
    body.replaceChildren(tr);
    return;
  }
  body.replaceChildren(...rows);
}

function row(cells, data = {}) {
  const tr = document.createElement('tr');
  for (const [k, v] of Object.entries(data)) tr.dataset[k] = String(v);
  tr.append(...cells);
  return tr;
}

/** A description list from [label, value] pairs. */
function facts(dl, pairs) {
  const out = [];
  for (const [label, value, key] of pairs) {
    const div = document.createElement('div');
    div.className = 'rs-fact';
    if (key) div.dataset.fact = key;
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    div.append(dt, dd);
    out.push(div);
  }
  dl.replaceChildren(...out);
}

const ratingFmt = (v) => num(v, 0);
const kappaFmt = (v) => num(v, 3);

/** The name of a verdict ("model_a", "tie", ...) in the interface language. */
export function verdictName(v) {
  const key = v === 'tie (bothbad)' ? 'verdict.bothbad' : `verdict.${v}`;
  return has(key) ? t(key) : String(v);
}

function whyName(why) {
  const key = `results.why.${String(why).replace(/ /g, '_')}`;
  return has(key) ? t(key) : plain(why);
}

/** Fill every results table from GET .../results. */
export function renderResults(ui, r) {
  const status = typeof r.status === 'string' ? r.status : '';
  ui.summaryTitle.textContent = t('results.summary.title', { id: String(r.campaign ?? '') });
  facts(ui.summary, [
    [t('results.summary.status'), has(`results.status.${status}`) ? t(`results.status.${status}`) : plain(status)],
    [t('results.summary.rubric'), plain(r.rubric)],
  ]);

  const board = list(obj(r.leaderboard)?.rows);
  fill(
    ui.board,
    board.map((b) =>
      row(
        [
          cell(count(b.rank), { numeric: true }),
          cell(plain(b.model), { head: true, ltr: true }),
          cell(ratingFmt(b.rating), { numeric: true }),
          cell(interval(b.ci_lower, b.ci_upper, ratingFmt), { numeric: true }),
          cell(count(b.judgments), { numeric: true }),
        ],
        { model: b.model },
      ),
    ),
    5,
  );

  fill(
    ui.wtl,
    list(r.win_tie_lose).map((w) =>
      row(
        [
          cell(plain(w.model), { head: true, ltr: true }),
          cell(plain(w.baseline), { ltr: true }),
          cell(count(w.judgments), { numeric: true }),
          cell(withInterval(w.win, pct), { numeric: true }),
          cell(withInterval(w.tie, pct), { numeric: true }),
          cell(withInterval(w.lose, pct), { numeric: true }),
        ],
        { model: w.model },
      ),
    ),
    6,
  );

  fill(
    ui.safety,
    list(r.safety).map((s) =>
      row(
        [
          cell(plain(s.model), { head: true, ltr: true }),
          cell(count(s.answers_judged), { numeric: true }),
          cell(count(s.flagged), { numeric: true }),
          cell(withInterval(s.rate, pct), { numeric: true }),
        ],
        { model: s.model },
      ),
    ),
    4,
  );

  const flagged = list(r.flagged);
  if (flagged.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = t('results.flagged.none');
    ui.flagged.replaceChildren(li);
  } else {
    ui.flagged.replaceChildren(
      ...flagged.map((f) => {
        const li = document.createElement('li');
        li.dataset.item = String(f.item_id);
        const meta = document.createElement('span');
        meta.className = 'rs-flag-meta';
        meta.textContent = t('results.flagged.meta', {
          item: String(f.item_id ?? NONE),
          model: isolate(plain(f.model)),
          rater: isolate(plain(f.rater)),
        });
        const reason = document.createElement('q');
        reason.className = 'rs-flag-reason';
        reason.dir = 'auto';
        reason.textContent = plain(f.reason);
        li.append(meta, ' ', reason);
        return li;
      }),
    );
  }

  const agreement = obj(r.agreement) || {};
  const pref = obj(agreement.preference) || {};
  facts(ui.agreement, [
    [t('results.agreement.fleiss'), kappaFmt(pref.fleiss_kappa), 'fleiss'],
    [t('results.agreement.alpha'), withInterval(pref.krippendorff_alpha, kappaFmt), 'alpha'],
    [t('results.agreement.metric'), metricName(pref.metric)],
    [t('results.agreement.items'), count(pref.items)],
  ]);

  const axes = obj(agreement.axes) || {};
  fill(
    ui.axes,
    Object.entries(axes).map(([axis, a]) =>
      row(
        [
          cell(axis, { head: true, ltr: true }),
          cell(kappaFmt(a?.fleiss_kappa), { numeric: true }),
          cell(withInterval(a?.krippendorff_alpha, kappaFmt), { numeric: true }),
          cell(metricName(a?.metric)),
          cell(count(a?.items), { numeric: true }),
        ],
        { axis },
      ),
    ),
    5,
  );

  fill(
    ui.pairs,
    list(agreement.raters).map((p) =>
      row([
        cell(plain(p.rater_a), { head: true, ltr: true }),
        cell(plain(p.rater_b), { ltr: true }),
        cell(count(p.items), { numeric: true }),
        cell(kappaFmt(p.cohen_kappa), { numeric: true }),
      ]),
    ),
    4,
  );

  fill(
    ui.raters,
    list(agreement.majority).map((m) =>
      row(
        [
          cell(plain(m.rater), { head: true, ltr: true }),
          cell(count(m.items), { numeric: true }),
          cell(pct(m.with_majority), { numeric: true }),
          cell(count(m.gold_items), { numeric: true }),
          cell(pct(m.gold_accuracy), { numeric: true }),
        ],
        { rater: m.rater },
      ),
    ),
    5,
  );

  const crowd = obj(r.expert_vs_crowd);
  ui.crowdSection.hidden = !crowd;
  if (crowd) {
    const corr = (c) => {
      const v = obj(c);
      if (!v || !isNum(v.value)) return NONE;
      return t('results.crowd.value', { value: kappaFmt(v.value), p: isNum(v.p_value) ? num(v.p_value, 3) : NONE });
    };
    const models = list(crowd.models);
    facts(ui.crowd, [
      [t('results.crowd.models'), models.length ? models.map(String).join(', ') : NONE],
      [t('results.crowd.kendall'), corr(crowd.kendall_tau)],
      [t('results.crowd.spearman'), corr(crowd.spearman_rho)],
      [t('results.crowd.agreement'), crowdAgreement(crowd.agreement)],
    ]);
    fill(
      ui.crowdPairs,
      list(crowd.pairs).map((p) =>
        row([
          cell(plain(p.model_a), { head: true, ltr: true }),
          cell(plain(p.model_b), { ltr: true }),
          cell(count(p.questions), { numeric: true }),
          cell(count(p.expert_judgments), { numeric: true }),
          cell(count(p.crowd_votes), { numeric: true }),
          cell(pct(p.with_ties), { numeric: true }),
          cell(pct(p.without_ties), { numeric: true }),
        ]),
      ),
      7,
    );
  }

  const progress = obj(r.progress) || {};
  facts(ui.progress, [
    [t('results.progress.items'), count(progress.items)],
    [t('results.progress.assigned'), count(progress.assigned)],
    [t('results.progress.judged'), count(progress.judged)],
    [t('results.progress.skipped'), count(progress.skipped)],
  ]);
  const perRater = obj(progress.per_rater) || {};
  fill(
    ui.perRater,
    Object.entries(perRater).map(([name, pair]) => {
      const [done, total] = Array.isArray(pair) ? pair : [null, null];
      return row([
        cell(name, { head: true, ltr: true }),
        cell(count(done), { numeric: true }),
        cell(count(total), { numeric: true }),
      ]);
    }),
    3,
  );
}

/** The overall expert-crowd agreement, in words. */
function crowdAgreement(a) {
  const v = obj(a);
  if (!v || !isNum(v.with_ties)) return NONE;
  return t('results.crowd.agreementValue', {
    withTies: pct(v.with_ties),
    withoutTies: pct(v.without_ties),
    questions: count(v.questions),
  });
}

function metricName(m) {
  if (typeof m !== 'string' || !m) return NONE;
  return has(`results.metric.${m}`) ? t(`results.metric.${m}`) : m;
}

export const DECISIONS = ['model_a', 'model_b', 'tie'];

/**
 * Fill the adjudication queue. Each item gets three buttons (A better,
 * B better, tie); `onDecide(itemId, verdict, button)` runs on a click.
 */
export function renderQueue(ui, items, onDecide) {
  fill(
    ui.queue,
    items.map((it) => {
      const votes = obj(it.votes) || {};
      const voteText = Object.entries(votes)
        .map(([v, n]) => t('results.queue.vote', { verdict: verdictName(v), count: count(n) }))
        .join(', ');
      const decide = document.createElement('td');
      const group = document.createElement('div');
      group.className = 'rs-decide';
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', t('results.queue.decideLabel', { item: String(it.item_id) }));
      for (const verdict of DECISIONS) {
        const btn = document.createElement('button');
        btn.type = 'button';
        btn.className = 'btn btn-small';
        btn.dataset.verdict = verdict;
        btn.textContent = verdictName(verdict);
        btn.addEventListener('click', () => onDecide(it.item_id, verdict, btn));
        group.append(btn);
      }
      decide.append(group);
      const flags = isNum(it.safety_flags) && it.safety_flags > 0
        ? ` ${tn('results.queue.flags', it.safety_flags)}`
        : '';
      return row(
        [
          cell(count(it.item_id), { head: true, numeric: true }),
          cell(plain(it.model_a), { ltr: true }),
          cell(plain(it.model_b), { ltr: true }),
          cell(voteText || NONE),
          cell(`${whyName(it.why)}${flags}`),
          decide,
        ],
        { item: it.item_id, why: it.why ?? '' },
      );
    }),
    6,
    'results.queue.empty',
  );
}
