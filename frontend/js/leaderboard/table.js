// Leaderboard page: one sortable table of models. Each sortable column
// header holds a button; the sorted column's header says so in `aria-sort`.
// Clicking the sorted column again reverses the order. Rows the server sent
// in the same place keep their order among equals; missing values go last.
//
// Every cell also carries its column's name in `data-label`, which the
// phone layout (app.css) shows beside the value when the rows become cards.

import { locale, t } from '../i18n/index.js';

/**
 * @typedef {import('./columns.js').Column} Column
 * @typedef {{key: string, direction: "ascending"|"descending"} | null} Sort
 */

/**
 * Turn `table` into a sortable table of `columns`.
 * @param {HTMLTableElement} table
 * @param {Column[]} columns
 * @param {Sort} initial the order before the voter picks one (null: the server's)
 */
export function boardTable(table, columns, initial) {
  /** @type {Sort} */
  let sort = initial;
  let rows = [];
  let ctx = { minVotes: null };
  const collator = new Intl.Collator(locale(), { sensitivity: 'base', numeric: true });

  const thead = document.createElement('thead');
  const tbody = document.createElement('tbody');
  /** @type {HTMLTableCellElement[]} */
  let headers = [];

  /** The header row of `columns`: a sort button in each sortable header. */
  function buildHead() {
    const headRow = document.createElement('tr');
    // The phone layout shows the sort buttons as a row of chips after this label.
    headRow.dataset.label = t('lb.sortBy');
    headers = columns.map((col) => {
      const th = document.createElement('th');
      th.scope = 'col';
      th.className = classOf(col);
      const label = document.createElement('span');
      label.className = 'lb-head-label';
      label.textContent = col.label();
      const parts = [label];
      if (col.spoken) {
        // A sign (Δ) is shown; its meaning is said.
        label.setAttribute('aria-hidden', 'true');
        const spoken = document.createElement('span');
        spoken.className = 'visually-hidden';
        spoken.textContent = col.spoken();
        parts.push(spoken);
      }
      if (col.sortValue) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'lb-sort';
        button.dataset.sort = col.key;
        const icon = document.createElement('span');
        icon.className = 'lb-sort-icon';
        icon.setAttribute('aria-hidden', 'true');
        button.append(...parts, icon);
        if (col.title) button.title = col.title();
        button.addEventListener('click', () => {
          const same = sort && sort.key === col.key;
          const flipped = sort && sort.direction === 'ascending' ? 'descending' : 'ascending';
          sort = { key: col.key, direction: same ? flipped : col.firstDirection || 'ascending' };
          render();
        });
        th.append(button);
      } else {
        if (col.title) label.title = col.title();
        th.append(...parts);
      }
      headRow.append(th);
      return th;
    });
    thead.replaceChildren(headRow);
  }

  buildHead();
  table.replaceChildren(thead, tbody);

  function sorted() {
    const col = sort && columns.find((c) => c.key === sort.key && c.sortValue);
    const indexed = rows.map((row, i) => ({ row, i }));
    if (!col) return indexed.map((x) => x.row);
    const sign = sort.direction === 'descending' ? -1 : 1;
    indexed.sort((x, y) => {
      const a = col.sortValue(x.row);
      const b = col.sortValue(y.row);
      if (a === null && b === null) return x.i - y.i;
      if (a === null) return 1; // missing values last, in either order
      if (b === null) return -1;
      const c = typeof a === 'string' || typeof b === 'string' ? collator.compare(String(a), String(b)) : a - b;
      return c !== 0 ? sign * c : x.i - y.i;
    });
    return indexed.map((x) => x.row);
  }

  function render() {
    columns.forEach((col, i) => {
      const th = headers[i];
      if (sort && col.sortValue && sort.key === col.key) th.setAttribute('aria-sort', sort.direction);
      else th.removeAttribute('aria-sort');
    });
    if (rows.length === 0) {
      tbody.replaceChildren(messageRow(t('lb.empty'), columns.length));
      return;
    }
    tbody.replaceChildren(
      ...sorted().map((row) => {
        const tr = document.createElement('tr');
        tr.dataset.model = typeof row.model === 'string' ? row.model : '';
        tr.dataset.status = typeof row.status === 'string' ? row.status : 'ranked';
        for (const col of columns) {
          const td = document.createElement('td');
          td.className = classOf(col);
          td.dataset.label = col.label();
          if (col.cellData) {
            for (const [name, value] of Object.entries(col.cellData(row))) {
              if (value !== null && value !== undefined) td.dataset[name] = String(value);
            }
          }
          const content = col.cell(row, ctx);
          if (typeof content === 'string') td.textContent = content;
          else td.append(content);
          tr.append(td);
        }
        return tr;
      }),
    );
  }

  return {
    /**
     * Show `list` (rows of GET /api/v1/leaderboard), in the chosen order.
     * @param {any[]} list
     * @param {{minVotes: number|null}} context
     */
    setRows(list, context) {
      rows = list;
      ctx = context;
      render();
    },
    /**
     * Show other columns (style control on or off), keeping the order when
     * its column is still there, else going back to the first one.
     * @param {Column[]} list
     */
    setColumns(list) {
      if (list === columns) return;
      columns = list;
      if (sort && !columns.some((c) => c.key === sort.key && c.sortValue)) sort = initial;
      buildHead();
      render();
    },
    /** Show one line of text instead of rows. */
    setMessage(text) {
      rows = [];
      tbody.replaceChildren(messageRow(text, columns.length));
    },
    /** Whether the table shows any model. */
    hasRows() {
      return rows.length > 0;
    },
  };
}

/** A column's cells' classes: its key, and its `className` when it has one. */
function classOf(col) {
  return col.className ? `${col.key} ${col.className}` : col.key;
}

/**
 * A row holding one message across all `columns` (loading, empty, ...).
 * @param {string} text
 * @param {number} columns
 */
function messageRow(text, columns) {
  const tr = document.createElement('tr');
  tr.className = 'lb-placeholder';
  const td = document.createElement('td');
  td.colSpan = columns;
  td.textContent = text;
  tr.append(td);
  return tr;
}
