// What the browser end-to-end tests of this folder share: where the server
// and the browser are, how to start Chromium, how to watch a page for
// problems, and the checks every test file makes.
//
// The tests run against a server that is already running (started by the
// Rust test harness) at GOLDARENA_E2E_URL, e.g. http://127.0.0.1:43123, using
// a system Chromium (CHROMIUM_PATH, default /usr/bin/chromium) driven by
// playwright-core.
//
// Optional: GOLDARENA_E2E_SCREENSHOT_DIR, a folder for screenshots.
//
// Accessibility: checkA11y() runs axe-core (a devDependency of this folder,
// never shipped with the app) in a page and fails on any serious or
// critical finding. axe is evaluated through the DevTools protocol
// (page.evaluate of its source), which the page's strict CSP does not
// govern, so the page is checked exactly as voters get it.

import assert from 'node:assert/strict';
import { constants as fsConstants, readFileSync } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE_URL = (process.env.GOLDARENA_E2E_URL || '').replace(/\/+$/, '');
export const EXECUTABLE_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SCREENSHOT_DIR = process.env.GOLDARENA_E2E_SCREENSHOT_DIR || '';
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const STEP_TIMEOUT_MS = 20_000; // any single wait inside a test, a whole streamed answer included
export const TEST_TIMEOUT_MS = 90_000; // a whole test

export const DESKTOP_VIEWPORT = { width: 1280, height: 900 };

/** Fails unless GOLDARENA_E2E_URL is set. */
export function assertBaseUrl() {
  assert.ok(BASE_URL, 'GOLDARENA_E2E_URL is not set: it must point at a running GoldArena server');
}

/** The body of the "environment is set up" test: a server URL and a runnable Chromium. */
export async function assertEnvironment() {
  assertBaseUrl();
  assert.doesNotThrow(() => new URL(BASE_URL), `GOLDARENA_E2E_URL is not a URL: ${BASE_URL}`);
  await access(EXECUTABLE_PATH, fsConstants.X_OK).catch(() => {
    assert.fail(`no Chromium at ${EXECUTABLE_PATH} (set CHROMIUM_PATH)`);
  });
}

/** Starts the headless system Chromium. */
export function launchBrowser() {
  return chromium.launch({ executablePath: EXECUTABLE_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** A new browser context (desktop-sized unless `options` say otherwise) whose waits time out after one step. */
export async function newContext(browser, options = { viewport: DESKTOP_VIEWPORT }) {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  return context;
}

/** The interface languages of the voter pages, as BCP 47 tags for a browser's `locale`. */
export const UI_LOCALES = ['en', 'zh-CN', 'ar'];

/**
 * A new browser context whose browser speaks `locale` (navigator.languages
 * and the Accept-Language header), desktop-sized unless `options` say
 * otherwise.
 * @param {import('playwright-core').Browser} browser
 * @param {string} locale
 * @param {object} [options] more context options (viewport, colorScheme, ...)
 */
export function localeContext(browser, locale, options = {}) {
  return newContext(browser, { viewport: DESKTOP_VIEWPORT, ...options, locale });
}

/** The phone viewport of the 360 px checks. */
export const PHONE_360 = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

let axeSource = null;

/** axe-core's browser bundle, read once from node_modules. */
function axeBundle() {
  if (axeSource === null) {
    const require = createRequire(import.meta.url);
    axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  }
  return axeSource;
}

/** The axe rules run: WCAG 2.0 to 2.2, levels A and AA, and axe's best practices. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/**
 * Run axe-core in `page` as it is now and return its serious and critical
 * findings, one line each ("[label] rule (impact): target: summary").
 * @param {import('playwright-core').Page} page
 * @param {string} label where the page is, for the messages
 */
export async function axeFindings(page, label) {
  const present = await page.evaluate(() => typeof window.axe === 'object' && window.axe !== null);
  if (!present) await page.evaluate(axeBundle());
  const violations = await page.evaluate(
    (tags) =>
      window.axe
        .run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
        .then((r) =>
          r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            nodes: v.nodes.map((n) => ({
              impact: n.impact,
              target: n.target.join(' '),
              summary: (n.failureSummary || '').replace(/\s+/g, ' ').trim(),
            })),
          })),
        ),
    AXE_TAGS,
  );
  const found = [];
  for (const v of violations) {
    for (const n of v.nodes) {
      const impact = n.impact || v.impact;
      if (impact === 'serious' || impact === 'critical') {
        found.push(`[${label}] ${v.id} (${impact}): ${n.target}: ${n.summary.slice(0, 300)}`);
      }
    }
  }
  return found;
}

/**
 * Fail when axe-core finds anything serious or critical in `page`.
 * @param {import('playwright-core').Page} page
 * @param {string} label
 */
export async function checkA11y(page, label) {
  assert.deepEqual(await axeFindings(page, label), [], `axe-core found serious or critical problems on ${label}`);
}

/** Matches the response to the POST that creates a battle. */
export const isCreateBattle = (r) =>
  r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/battles';

/** Matches the response to a POST /api/v1/battles/{id}/{action}. */
export const isBattleAction = (action) => {
  const re = new RegExp(`^/api/v1/battles/[^/]+/${action}$`);
  return (r) => r.request().method() === 'POST' && re.test(new URL(r.url()).pathname);
};
export const isVote = isBattleAction('vote');

/** Resources of our own origin that must never fail to load. */
export const ASSET_TYPES = ['document', 'stylesheet', 'script'];

/**
 * Record dialogs, uncaught errors, CSP violations and failed assets of `page`
 * into `problems`; `resourceTypes` are the kinds of request whose failure
 * counts.
 */
export function watch(problems, page, label, { resourceTypes = ASSET_TYPES } = {}) {
  page.on('dialog', async (dialog) => {
    problems.push(`[${label}] a ${dialog.type()} dialog opened: ${JSON.stringify(dialog.message())}`);
    await dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (err) => {
    problems.push(`[${label}] uncaught page error: ${err.message}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content[ -]Security[ -]Policy/i.test(msg.text())) {
      problems.push(`[${label}] CSP violation: ${msg.text()}`);
    }
  });
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (!BASE_URL || url.origin !== new URL(BASE_URL).origin) return;
    const type = res.request().resourceType();
    if (res.status() >= 400 && resourceTypes.includes(type)) {
      problems.push(`[${label}] ${type} ${url.pathname} answered ${res.status()}`);
    }
  });
}

/** Wait until body[data-state] is `wanted`; fail early (with the error box) on "error". */
export async function waitForState(page, wanted, timeout = STEP_TIMEOUT_MS) {
  let state;
  try {
    const handle = await page.waitForFunction(
      (w) => {
        const s = document.body ? document.body.dataset.state : undefined;
        return s === w || s === 'error' ? s : false;
      },
      wanted,
      { timeout },
    );
    state = await handle.jsonValue();
  } catch (err) {
    const now = await page.evaluate(() => document.body && document.body.dataset.state).catch(() => '?');
    const message = await page.locator('#error').innerText().catch(() => '');
    throw new Error(
      `timed out waiting for body[data-state="${wanted}"] (it is "${now}")${message.trim() ? `: ${message.trim()}` : ''}`,
      { cause: err },
    );
  }
  if (state !== wanted) {
    const message = await page.locator('#error').innerText().catch(() => '');
    assert.fail(`expected body[data-state="${wanted}"] but the page is in state "${state}": ${message.trim()}`);
  }
}

/** The `lang` and `dir` of the page's <html>. */
export function htmlLangDir(page) {
  return page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }));
}

/**
 * The page's width is its window's: nothing makes it scroll sideways.
 * @param {import('playwright-core').Page} page
 * @param {string} when
 */
export async function assertNoSidewaysScroll(page, when) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client + 1, `the page scrolls sideways ${when} (scrollWidth ${scroll} > ${client})`);
}

/** The trimmed visible text of `selector`. */
export async function text(page, selector) {
  return (await page.locator(selector).innerText()).trim();
}

/** A full-page screenshot into GOLDARENA_E2E_SCREENSHOT_DIR, if it is set. */
export async function screenshot(page, name) {
  if (!SCREENSHOT_DIR) return;
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, name), fullPage: true });
}

export const VERDICT_BUTTONS = ['model_a', 'model_b', 'tie', 'tie (bothbad)'];
export const verdictButton = (page, verdict) => page.locator(`button[data-verdict="${verdict}"]`);

/**
 * Active content inside the prompt and the answer panes: script-like
 * elements, on* handler attributes and javascript: URLs, as a list of
 * descriptions (empty when there is none).
 */
export function findActiveContent(page) {
  return page.evaluate(() => {
    const found = [];
    for (const el of document.querySelectorAll('#prompt *, #pane-a *, #pane-b *')) {
      if (el.tagName === 'SCRIPT' || el.tagName === 'IFRAME' || el.tagName === 'OBJECT' || el.tagName === 'EMBED') {
        found.push(el.tagName);
      }
      for (const attr of el.getAttributeNames()) {
        if (/^on/i.test(attr)) found.push(`${el.tagName}[${attr}]`);
      }
      for (const attr of ['href', 'src', 'action', 'formaction']) {
        const v = el.getAttribute(attr);
        if (v && /^\s*javascript:/i.test(v)) found.push(`${el.tagName}[${attr}=javascript:]`);
      }
    }
    return found;
  });
}

/**
 * The body of the "no script from model content ran" test: no dialog was
 * opened, no XSS probe set window.__xss, and no active content was inserted.
 */
export async function assertNoScriptRan(page, problems) {
  assert.deepEqual(
    problems.filter((p) => p.includes('dialog')),
    [],
    'a dialog was opened',
  );
  assert.equal(await page.evaluate(() => typeof window.__xss), 'undefined', 'window.__xss was set');
  assert.deepEqual(await findActiveContent(page), [], 'active content was inserted into the page');
}
