// Exam page: the tables of GET /api/v1/exams/{name}/results: the whole
// exam per model, the accuracy per subject and model, and McNemar's test
// between each pair of models.

import { formatNumber, isolate, t, tn } from '../i18n/index.js';
import { accuracy, accuracyCi, accuracyWithCi, contaminationText, contaminationTitle, isNum } from '../leaderboard/format.js';
import { cell, count, messageRow, modelHeader, numberSpan, span } from './cells.js';

/** The whole-exam rows (subject and question type "all"), best accuracy first. */
export function overallRows(rows) {
  return rows
    .filter((r) => r.subject === 'all' && r.question_type === 'all')
    .sort((a, b) => (isNum(b.accuracy) ? b.accuracy : -1) - (isNum(a.accuracy) ? a.accuracy : -1) || a.model.localeCompare(b.model));
}

const PASS = {
  pass: () => t('exam.pass.pass'),
  fail: () => t('exam.pass.fail'),
  uncertain: () => t('exam.pass.uncertain'),
};

/** Whether the model may have seen the exam, in words, and its knowledge cutoff. */
function contaminationCell(row) {
  const words = contaminationText(row.contamination);
  if (!words) return cell('contamination', '—');
  const mark = span(`lb-exam-mark is-${String(row.contamination).replace(/_/g, '-')}`, words);
  const why = contaminationTitle(row.contamination);
  if (why) mark.title = why;
  const parts = [mark];
  if (typeof row.knowledge_cutoff === 'string' && row.knowledge_cutoff) {
    parts.push(span('exam-cutoff muted', t('exam.cutoff', { date: isolate(row.knowledge_cutoff) })));
  }
  return cell('contamination', parts);
}

/**
 * Fill the whole-exam table: per model, its accuracy with the interval,
 * the questions it got right of those it answered, the unreadable answers,
 * pass or fail (with a pass mark) and whether it may have seen the exam.
 * @param {HTMLTableElement} table
 * @param {HTMLTableSectionElement} body
 * @param {any[]} overall the whole-exam rows, in the order shown
 * @param {Map<string, string>} names display names by model
 * @param {boolean} hasPassMark
 */
export function renderOverall(table, body, overall, names, hasPassMark) {
  table.classList.toggle('no-pass', !hasPassMark);
  if (overall.length === 0) {
    body.replaceChildren(messageRow(t('exam.noModels'), 7));
    return;
  }
  body.replaceChildren(
    ...overall.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.model = r.model;
      if (isNum(r.accuracy)) tr.dataset.accuracy = String(r.accuracy);
      const pass = typeof r.pass === 'string' && PASS[r.pass] ? PASS[r.pass]() : '—';
      const passCell = cell('pass', pass);
      if (typeof r.pass === 'string') passCell.dataset.pass = r.pass;
      tr.append(
        modelHeader(r.model, names.get(r.model)),
        cell('accuracy', accuracyWithCi(r.accuracy, r.ci_lower, r.ci_upper), 'ltr'),
        cell('correct', count(r.correct)),
        cell('questions', count(r.n)),
        cell('unreadable', count(r.unreadable)),
        passCell,
        contaminationCell(r),
      );
      return tr;
    }),
  );
}

/**
 * Fill the subjects' table: a row per subject, a column per model (in the
 * order of `models`), each cell the model's accuracy on the subject with
 * its interval and the number of questions.
 * @param {HTMLTableElement} table
 * @param {any[]} rows all result rows
 * @param {string[]} models
 * @param {Map<string, string>} names display names by model
 */
export function renderSubjects(table, rows, models, names) {
  const perSubject = rows.filter((r) => r.subject !== 'all' && r.question_type === 'all' && typeof r.subject === 'string');
  const subjects = [...new Set(perSubject.map((r) => r.subject))].sort((a, b) => a.localeCompare(b));
  const byKey = new Map(perSubject.map((r) => [`${r.model}\u0000${r.subject}`, r]));

  const thead = document.createElement('thead');
  const head = document.createElement('tr');
  const corner = document.createElement('th');
  corner.scope = 'col';
  corner.className = 'subject';
  corner.textContent = t('exam.col.subject');
  head.append(corner);
  for (const model of models) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.className = 'model-col';
    th.dataset.model = model;
    const name = span('', names.get(model) || model);
    name.dir = 'auto';
    th.append(name);
    head.append(th);
  }
  thead.append(head);

  const tbody = document.createElement('tbody');
  if (subjects.length === 0 || models.length === 0) {
    tbody.append(messageRow(t('exam.noSubjects'), models.length + 1));
  }
  for (const subject of subjects) {
    const tr = document.createElement('tr');
    tr.dataset.subject = subject;
    const th = document.createElement('th');
    th.scope = 'row';
    th.className = 'subject';
    const name = span('', subject);
    name.dir = 'auto';
    th.append(name);
    tr.append(th);
    for (const model of models) {
      const r = byKey.get(`${model}\u0000${subject}`);
      const td = document.createElement('td');
      td.className = 'subject-cell';
      td.dataset.model = model;
      td.dataset.subject = subject;
      if (r && isNum(r.accuracy)) {
        td.dataset.accuracy = String(r.accuracy);
        td.append(numberSpan(accuracy(r.accuracy), 'ltr', 'lb-number exam-subject-value'));
        const ci = accuracyCi(r.ci_lower, r.ci_upper);
        if (ci) td.append(numberSpan(ci, 'ltr', 'lb-number exam-subject-ci'));
        if (isNum(r.n)) td.append(span('exam-subject-n muted', tn('exam.questionsOf', r.n)));
      } else {
        td.textContent = '—';
      }
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.replaceChildren(thead, tbody);
}

/** A p-value: three decimals, or "< 0.001". */
export function pValue(p) {
  if (!isNum(p)) return '—';
  if (p < 0.001) return t('exam.pBelow', { p: formatNumber(0.001, { minimumFractionDigits: 3 }) });
  return formatNumber(p, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
}

/**
 * Fill McNemar's table: for each pair of models, the questions both
 * answered, how many only one of them got right, and the p-value.
 * @param {HTMLTableSectionElement} body
 * @param {any[]} pairs
 * @param {Map<string, string>} names
 */
export function renderMcnemar(body, pairs, names) {
  if (pairs.length === 0) {
    body.replaceChildren(messageRow(t('exam.noPairs'), 6));
    return;
  }
  body.replaceChildren(
    ...pairs.map((p) => {
      const tr = document.createElement('tr');
      tr.dataset.modelA = p.model_a;
      tr.dataset.modelB = p.model_b;
      const b = modelHeader(p.model_b, names.get(p.model_b));
      const second = document.createElement('td');
      second.className = 'model';
      second.append(...b.childNodes);
      tr.append(
        modelHeader(p.model_a, names.get(p.model_a)),
        second,
        cell('questions', count(p.questions)),
        cell('count', count(p.only_a_right)),
        cell('count', count(p.only_b_right)),
        cell('p-value', pValue(p.p_value), 'ltr'),
      );
      return tr;
    }),
  );
}
