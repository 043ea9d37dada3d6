// Leaderboard page: exam results beside the ratings. A group of switches
// lists every exam (GET /api/v1/exams); each exam ticked adds a column to
// the tables, after the rating's: each model's accuracy on the whole exam
// with its 95% (Wilson) interval, and in words whether the model may have
// seen the exam (fresh, possibly seen, unknown), from
// GET /api/v1/exams/{name}/results. "Fresh exams only" asks for
// ?fresh_only=true: a model for which the exam is not fresh then shows "—".
// The choice is kept in the page's address (?exams=a,b&fresh=1). Exam and
// model names are inserted as text only.

import { get } from '../api.js';
import { formatDate, t, tn } from '../i18n/index.js';
import { accuracyWithCi, contaminationText, contaminationTitle, isNum } from './format.js';

/**
 * @typedef {{exams: string[], fresh: boolean}} ExamChoice
 * @typedef {{name: string, exam_date: string|null, questions: number|null}} Exam
 * @typedef {import('./columns.js').Column} Column
 */

const clean = (v) => (typeof v === 'string' ? v.trim() : '');

/** The exams and the fresh switch the page's address asks for. */
export function examChoiceFromUrl(href = window.location.href) {
  const params = new URL(href).searchParams;
  const names = (params.get('exams') || '').split(',').map(clean).filter(Boolean);
  const fresh = params.get('fresh');
  return { exams: [...new Set(names)], fresh: fresh === '1' || fresh === 'true' };
}

/**
 * Put `choice` into the page's address (no new history entry), keeping any
 * other parameter and the fragment; the exams are written "a,b".
 * @param {ExamChoice} choice
 */
export function keepExamsInUrl(choice) {
  const url = new URL(window.location.href);
  if (choice.exams.length > 0) url.searchParams.set('exams', choice.exams.join(','));
  else url.searchParams.delete('exams');
  if (choice.fresh) url.searchParams.set('fresh', '1');
  else url.searchParams.delete('fresh');
  url.search = url.search.replace(/%2C/gi, ',');
  if (url.href !== window.location.href) window.history.replaceState(window.history.state, '', url.href);
}

/** The address of an exam's page. */
export function examPageUrl(name) {
  return `/exam?name=${encodeURIComponent(name)}`;
}

/** "1 Mar 2025" for "2025-03-01" (the exam's own day, whatever the time zone). */
export function examDate(date) {
  return typeof date === 'string' && date ? formatDate(date, { dateStyle: 'medium', timeZone: 'UTC' }) || date : '';
}

const span = (cls, text) => {
  const el = document.createElement('span');
  el.className = cls;
  el.textContent = text;
  return el;
};

/**
 * A model's result on one exam: "73.3% [55.6, 85.8]" and, below it, whether
 * it may have seen the exam, in words; "—" without a result.
 */
function examCell(row) {
  if (!row || !isNum(row.accuracy)) return '—';
  const wrap = span('lb-exam', '');
  const value = span('lb-exam-value', accuracyWithCi(row.accuracy, row.ci_lower, row.ci_upper));
  value.dir = 'ltr'; // lower bound first, whatever the interface direction
  wrap.append(value);
  const words = contaminationText(row.contamination);
  if (words) {
    const mark = span(`lb-exam-mark is-${String(row.contamination).replace(/_/g, '-')}`, words);
    const why = contaminationTitle(row.contamination);
    if (why) mark.title = why;
    wrap.append(mark);
  }
  return wrap;
}

/**
 * Insert `extra` columns after the rating columns of `base` (after the
 * interval, else after the rating); `base` itself when there is none.
 * @param {Column[]} base
 * @param {Column[]} extra
 */
export function withExamColumns(base, extra) {
  if (extra.length === 0) return base;
  let at = base.findIndex((c) => c.key === 'ci');
  if (at < 0) at = base.findIndex((c) => c.key === 'rating');
  const i = at < 0 ? base.length : at + 1;
  return [...base.slice(0, i), ...extra, ...base.slice(i)];
}

/**
 * The exam switches and the results behind the exam columns.
 * @param {{group: HTMLElement, list: HTMLElement, fresh: HTMLInputElement, status: HTMLElement}} ui
 * @param {ExamChoice} choice read and changed in place
 */
export function examControls(ui, choice) {
  /** @type {Exam[]} */
  let exams = [];
  /** `${fresh}|${name}` -> Promise of the whole-exam rows by model (null when it failed). */
  const cache = new Map();
  /** The results shown now, by exam name. */
  let shown = new Map();
  ui.fresh.checked = choice.fresh;

  function option(exam, index) {
    const box = document.createElement('div');
    box.className = 'lb-toggle lb-exam-option';
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.id = `lb-exam-${index}`;
    input.value = exam.name;
    input.className = 'lb-exam-choice';
    input.checked = choice.exams.includes(exam.name);
    input.setAttribute('aria-controls', 'leaderboard');
    const label = document.createElement('label');
    label.htmlFor = input.id;
    const name = span('lb-exam-name', exam.name);
    name.dir = 'auto';
    label.append(name);
    box.append(input, label);
    const about = [];
    const date = examDate(exam.exam_date);
    if (date) about.push(date);
    if (isNum(exam.questions)) about.push(tn('lb.exams.questions', exam.questions));
    if (about.length > 0) {
      const note = span('lb-toggle-note muted', t('lb.exams.about', { about: about.join(' · ') }));
      note.id = `lb-exam-${index}-note`;
      input.setAttribute('aria-describedby', note.id);
      box.append(note);
    }
    const link = document.createElement('a');
    link.className = 'lb-exam-link';
    link.href = examPageUrl(exam.name);
    link.append(span('', t('lb.exams.link')), ' ', span('visually-hidden', t('lb.exams.linkOf', { name: exam.name })));
    box.append(link);
    return box;
  }

  /** Whole-exam rows of `name` by model, fetched once per page (and per Refresh). */
  function results(name, fresh) {
    const key = `${fresh ? 1 : 0}|${name}`;
    let found = cache.get(key);
    if (!found) {
      const q = fresh ? '?fresh_only=true' : '';
      found = get(`/exams/${encodeURIComponent(name)}/results${q}`)
        .then((data) => {
          const rows = Array.isArray(data && data.rows) ? data.rows : [];
          const byModel = new Map();
          for (const r of rows) {
            if (r && typeof r.model === 'string' && r.subject === 'all' && r.question_type === 'all') byModel.set(r.model, r);
          }
          return byModel;
        })
        .catch(() => {
          cache.delete(key); // tried again on the next load
          return null;
        });
      cache.set(key, found);
    }
    return found;
  }

  return {
    /** Fill the switches from GET /exams; the group stays hidden without exams. Never rejects. */
    async load() {
      try {
        const data = await get('/exams');
        const list = Array.isArray(data && data.exams) ? data.exams : [];
        exams = list
          .filter((e) => e && clean(e.name))
          .map((e) => ({
            name: clean(e.name),
            exam_date: typeof e.exam_date === 'string' ? e.exam_date : null,
            questions: isNum(e.questions) ? e.questions : null,
          }));
      } catch {
        exams = [];
      }
      ui.list.replaceChildren(...exams.map(option));
      ui.group.hidden = exams.length === 0;
    },

    /** Read the switches into the choice. */
    read() {
      choice.exams = Array.from(ui.list.querySelectorAll('input.lb-exam-choice'))
        .filter((input) => input.checked)
        .map((input) => input.value);
      choice.fresh = ui.fresh.checked;
    },

    /** Fetch the results of the exams chosen. Never rejects. */
    async fetch() {
      const chosen = exams.filter((e) => choice.exams.includes(e.name));
      const fresh = choice.fresh;
      const got = await Promise.all(chosen.map((e) => results(e.name, fresh)));
      shown = new Map(chosen.map((e, i) => [e.name, got[i]]));
      const failed = chosen.filter((e, i) => got[i] === null).map((e) => e.name);
      const said = failed.length > 0 ? t('lb.exams.loadFailed', { names: failed.join(', ') }) : '';
      if (ui.status.textContent !== said) ui.status.textContent = said;
    },

    /** Forget the results fetched (Refresh). */
    forget() {
      cache.clear();
    },

    /** One column per exam chosen whose results were asked for, in the exams' order. */
    columns() {
      const out = [];
      exams.forEach((exam, index) => {
        if (!shown.has(exam.name)) return;
        const byModel = shown.get(exam.name) || new Map();
        const of = (row) => (row && typeof row.model === 'string' ? byModel.get(row.model) : undefined);
        const acc = (row) => {
          const r = of(row);
          return r && isNum(r.accuracy) ? r.accuracy : null;
        };
        out.push({
          key: `exam-${index}`,
          className: 'lb-exam-cell',
          label: () => exam.name,
          title: () => t('lb.exams.colTitle', { name: exam.name }),
          cell: (row) => examCell(of(row)),
          cellData: (row) => ({ exam: exam.name, model: typeof row.model === 'string' ? row.model : '', accuracy: acc(row) }),
          sortValue: acc,
          firstDirection: 'descending',
        });
      });
      return out;
    },
  };
}
