// The API page: the OpenAPI document served by this binary, as a list of
// endpoints grouped by tag. Everything is inserted as text.

const el = (tag, text, className) => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
};

async function main() {
  const status = document.getElementById('docs-status');
  const root = document.getElementById('docs');
  let doc;
  try {
    const res = await fetch('/api/v1/openapi.json', { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    doc = await res.json();
  } catch (err) {
    status.textContent = `Could not load the API document: ${err.message}`;
    document.body.dataset.state = 'error';
    return;
  }
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(item || {})) {
      if (!op || typeof op !== 'object' || !op.summary) continue;
      const tag = (op.tags && op.tags[0]) || 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ method: method.toUpperCase(), path, op });
    }
  }
  let count = 0;
  for (const [tag, ops] of byTag) {
    const section = el('section');
    section.append(el('h2', tag));
    const list = el('dl', undefined, 'api-list');
    for (const { method, path, op } of ops) {
      const dt = el('dt');
      dt.append(el('code', `${method} ${path}`));
      const dd = el('dd', op.summary);
      if (op.description) dd.append(el('span', ` ${op.description}`, 'muted'));
      list.append(dt, dd);
      count += 1;
    }
    section.append(list);
    root.append(section);
  }
  status.textContent = `${count} endpoints, version ${doc.info && doc.info.version ? doc.info.version : '?'}.`;
  document.body.dataset.state = 'ready';
}

main();
