// Leaderboard page: GET /api/v1/leaderboard and render it as a table.
//
// document.body.dataset.state is "loading", "ready" or "error".

import { getLeaderboard, showError, clearError } from './api.js';

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`leaderboard page is missing #${id}`);
  return el;
};

const ui = {
  error: $('error'),
  table: $('leaderboard'),
  tbody: $('leaderboard').tBodies[0],
  total: $('total-votes'),
  method: $('lb-method'),
  integrity: $('lb-integrity'),
  refresh: $('refresh'),
};

const METHOD_NAMES = {
  elo: 'Elo',
  bt: 'Bradley–Terry',
  bradley_terry: 'Bradley–Terry',
};

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

/** "+3 / -4" from a rating and its 95% interval, or "—" when unknown. */
export function formatCi(rating, lower, upper) {
  if (!isNum(rating) || !isNum(lower) || !isNum(upper)) return '—';
  const plus = Math.max(0, Math.round(upper - rating));
  const minus = Math.max(0, Math.round(rating - lower));
  return `+${plus} / -${minus}`;
}

function cell(cls, text) {
  const td = document.createElement('td');
  td.className = cls;
  if (text !== undefined) td.textContent = text;
  return td;
}

function messageRow(text) {
  const tr = document.createElement('tr');
  tr.className = 'lb-placeholder';
  const td = document.createElement('td');
  td.colSpan = 6;
  td.textContent = text;
  tr.append(td);
  return tr;
}

function render(data) {
  const rows = Array.isArray(data.rows) ? data.rows : [];
  ui.total.textContent = isNum(data.total_votes) ? String(data.total_votes) : '—';
  const method = typeof data.method === 'string' ? data.method : '';
  ui.method.textContent = method ? `Method: ${METHOD_NAMES[method] || method}` : '';
  ui.integrity.hidden = data.integrity !== false;

  if (rows.length === 0) {
    ui.tbody.replaceChildren(messageRow('No models have been rated yet.'));
    return;
  }

  const trs = rows.map((row, i) => {
    const tr = document.createElement('tr');
    const slug = typeof row.model === 'string' ? row.model : '';
    tr.dataset.model = slug;

    tr.append(cell('rank', isNum(row.rank) ? String(row.rank) : String(i + 1)));

    const model = cell('model');
    const name = document.createElement('span');
    name.className = 'model-name';
    name.textContent = row.display_name || slug;
    model.append(name);
    if (slug && slug !== row.display_name) {
      const small = document.createElement('small');
      small.className = 'model-slug';
      small.textContent = slug;
      model.append(small);
    }
    tr.append(model);

    const rating = isNum(row.rating) ? row.rating : row.elo;
    const ratingCell = cell('rating', isNum(rating) ? String(Math.round(rating)) : '—');
    if (row.provisional === true) {
      const tag = document.createElement('span');
      tag.className = 'provisional';
      tag.textContent = 'provisional';
      tag.title = 'Won or lost every battle against the other models so far: the rating is not pinned down yet.';
      ratingCell.append(tag);
    }
    tr.append(ratingCell);
    tr.append(cell('ci', formatCi(rating, row.ci_lower, row.ci_upper)));
    tr.append(cell('votes', isNum(row.votes) ? String(row.votes) : '0'));
    tr.append(cell('elo', isNum(row.elo) ? String(Math.round(row.elo)) : '—'));
    return tr;
  });
  ui.tbody.replaceChildren(...trs);
}

let token = 0;

async function load() {
  const mine = ++token;
  document.body.dataset.state = 'loading';
  ui.table.setAttribute('aria-busy', 'true');
  ui.refresh.disabled = true;
  try {
    const data = await getLeaderboard();
    if (mine !== token) return;
    clearError(ui.error);
    render(data && typeof data === 'object' ? data : {});
    document.body.dataset.state = 'ready';
  } catch (err) {
    if (mine !== token) return;
    showError(ui.error, 'Could not load the leaderboard.', err);
    if (!ui.tbody.querySelector('tr[data-model]')) {
      ui.tbody.replaceChildren(messageRow('The leaderboard is not available right now.'));
    }
    document.body.dataset.state = 'error';
  } finally {
    if (mine === token) {
      ui.table.setAttribute('aria-busy', 'false');
      ui.refresh.disabled = false;
    }
  }
}

ui.refresh.addEventListener('click', () => load());
load();
