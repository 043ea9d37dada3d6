// Battle page: the named mode of the prompt box ("side by side"). Instead of
// two anonymous models, the voter picks the two models; such a battle shows
// its models from the start, and its vote is recorded but not counted on the
// leaderboard. Anonymous mode stays the default.
//
// The model names and display names come from GET /api/v1/arena
// (live.choices) and are only ever used as textContent and option values.

import { arena, SIDES, ui } from './state.js';

const ANONYMOUS_PLACEHOLDER = ui.promptInput.placeholder;
const NAMED_PLACEHOLDER = 'Ask anything. The two models you chose will answer side by side.';
const NAMED_LEDE =
  'Side by side: ask anything, and the two models you chose answer it. Their names are shown from the start, so votes here are not counted on the leaderboard.';
let anonymousLede = null; // the live lede, read when named mode is set up

/** Word the lede for a named battle (or prompt box), or for an anonymous one. */
export function syncLede(named) {
  if (anonymousLede === null) return;
  ui.lede.textContent = named ? NAMED_LEDE : anonymousLede;
}

/**
 * The usable entries of `live.choices`: objects with a non-empty string
 * `name`, each name once; the display name falls back to the name.
 * @returns {{name: string, displayName: string}[]}
 */
export function parseChoices(list) {
  if (!Array.isArray(list)) return [];
  const seen = new Set();
  const choices = [];
  for (const c of list) {
    if (!c || typeof c !== 'object' || typeof c.name !== 'string' || c.name.trim() === '') continue;
    if (seen.has(c.name)) continue;
    seen.add(c.name);
    const display = typeof c.display_name === 'string' && c.display_name.trim() ? c.display_name.trim() : c.name;
    choices.push({ name: c.name, displayName: display });
  }
  return choices;
}

/** The display name of a live model, or the name itself when it is not listed. */
export function displayName(name) {
  const c = arena.choices.find((x) => x.name === name);
  return c ? c.displayName : name;
}

/** Whether the prompt box is in named mode. */
export function namedMode() {
  return !ui.named.hidden && ui.namedToggle.checked;
}

/** The two chosen models, or null unless two different ones are chosen. */
export function namedPick() {
  const a = ui.modelSelect.a.value;
  const b = ui.modelSelect.b.value;
  if (!a || !b || a === b) return null;
  return { modelA: a, modelB: b };
}

/** Lock the choice while a battle is being requested. */
export function setNamedLocked(locked) {
  ui.namedToggle.disabled = locked;
  for (const key of SIDES) ui.modelSelect[key].disabled = locked;
}

/** Show or hide the selects and say what is still missing. */
function syncNamed() {
  const on = namedMode();
  ui.namedModels.hidden = !on;
  ui.promptInput.placeholder = on ? NAMED_PLACEHOLDER : ANONYMOUS_PLACEHOLDER;
  syncLede(on);
  const a = ui.modelSelect.a.value;
  const b = ui.modelSelect.b.value;
  let status = '';
  let bad = false;
  if (on && a && b && a === b) {
    status = 'Choose two different models.';
    bad = true;
  } else if (on && (!a || !b)) {
    status = 'Choose both models to send.';
  }
  ui.namedStatus.textContent = status;
  ui.namedStatus.classList.toggle('is-bad', bad);
}

/**
 * Fill the two selects from arena.choices and show the toggle when there are
 * at least two models to choose from. `onChange` runs whenever the mode or
 * a choice changes (it refreshes the send button).
 */
export function setupNamed(onChange) {
  anonymousLede = ui.lede.textContent;
  for (const key of SIDES) {
    const select = ui.modelSelect[key];
    const first = select.options[0];
    const options = arena.choices.map((c) => {
      const option = document.createElement('option');
      option.value = c.name;
      option.textContent = c.displayName;
      return option;
    });
    select.replaceChildren(...(first ? [first] : []), ...options);
    select.value = '';
    select.addEventListener('change', () => {
      syncNamed();
      onChange();
    });
  }
  ui.namedToggle.checked = false; // anonymous is the default, whatever the browser restored
  ui.named.hidden = arena.choices.length < 2;
  ui.namedToggle.addEventListener('change', () => {
    syncNamed();
    onChange();
  });
  syncNamed();
}
