// Battle page: the named mode of the prompt box ("side by side"). Instead of
// two anonymous models, the voter picks the two models; such a battle shows
// its models from the start, and its vote is recorded but not counted on the
// leaderboard. Anonymous mode stays the default.
//
// The model names and display names come from GET /api/v1/arena
// (live.choices) and are only ever used as textContent and option values.
// A model sitting out a failure cool-down (`available: false`) is listed
// but disabled and marked, so that nobody picks a model that would fail at
// once; the choices are read again at every new round.

import { getArena } from '../api.js';
import { arena, SIDES, ui } from './state.js';
import { isolate, t, tn } from '../i18n/index.js';

let named = false; // whether setupNamed() ran (the arena has live models)
let afterChange = () => {}; // refreshes the send button (see setupNamed)

/** Word the lede for a named battle (or prompt box), or for an anonymous one. */
export function syncLede(isNamedBattle) {
  if (!named) return;
  ui.lede.textContent = isNamedBattle ? t('named.lede') : t('arena.liveLede');
}

/**
 * The usable entries of `live.choices`: objects with a non-empty string
 * `name`, each name once; the display name falls back to the name; a
 * model is available unless the server says otherwise.
 * @returns {{name: string, displayName: string, available: boolean}[]}
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
    choices.push({ name: c.name, displayName: display, available: c.available !== false });
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

const isAvailable = (name) => arena.choices.some((c) => c.name === name && c.available);

/** The two chosen models, or null unless two different, available ones are chosen. */
export function namedPick() {
  const a = ui.modelSelect.a.value;
  const b = ui.modelSelect.b.value;
  if (!a || !b || a === b || !isAvailable(a) || !isAvailable(b)) return null;
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
  ui.promptInput.placeholder = on ? t('named.placeholder') : t('composer.placeholder');
  syncLede(on);
  const a = ui.modelSelect.a.value;
  const b = ui.modelSelect.b.value;
  const available = arena.choices.filter((c) => c.available).length;
  let status = '';
  let bad = false;
  if (on && available < 2) {
    status = t('named.tooFewAvailable');
    bad = true;
  } else if (on && a && b && a === b) {
    status = t('named.sameModel');
    bad = true;
  } else if (on && (!a || !b)) {
    status = t('named.chooseBoth');
  }
  ui.namedStatus.textContent = status;
  ui.namedStatus.classList.toggle('is-bad', bad);
  const resting = arena.choices.length - available;
  ui.namedUnavailable.hidden = !on || resting === 0;
  ui.namedUnavailable.textContent = resting > 0 ? tn('named.unavailableNote', resting) : '';
}

/** Fill both selects from arena.choices, keeping a choice that is still available. */
function fillSelects() {
  for (const key of SIDES) {
    const select = ui.modelSelect[key];
    const before = select.value;
    const first = select.options[0];
    const options = arena.choices.map((c) => {
      const option = document.createElement('option');
      option.value = c.name;
      if (c.available) {
        option.textContent = c.displayName;
      } else {
        option.textContent = t('named.unavailableOption', { name: isolate(c.displayName) });
        option.disabled = true;
        option.dataset.unavailable = 'true';
      }
      return option;
    });
    select.replaceChildren(...(first ? [first] : []), ...options);
    select.value = before && isAvailable(before) ? before : '';
  }
  ui.named.hidden = arena.choices.length < 2;
}

/**
 * Fill the two selects from arena.choices and show the toggle when there are
 * at least two models to choose from. `onChange` runs whenever the mode or
 * a choice changes (it refreshes the send button).
 */
export function setupNamed(onChange) {
  named = true;
  afterChange = onChange;
  fillSelects();
  for (const key of SIDES) {
    ui.modelSelect[key].addEventListener('change', () => {
      syncNamed();
      onChange();
    });
  }
  ui.namedToggle.checked = false; // anonymous is the default, whatever the browser restored
  ui.namedToggle.addEventListener('change', () => {
    syncNamed();
    onChange();
  });
  syncNamed();
}

/**
 * Read the live models again (a model may have gone into, or come out of, a
 * cool-down since the page was loaded) and refresh the selects. Failures
 * keep the choices as they were.
 */
export async function refreshChoices() {
  if (!named) return;
  let info;
  try {
    info = await getArena();
  } catch {
    return;
  }
  const live = info && typeof info === 'object' ? info.live : null;
  if (!live || typeof live !== 'object' || !Array.isArray(live.choices)) return;
  arena.choices = parseChoices(live.choices);
  fillSelects();
  syncNamed();
  afterChange();
}
