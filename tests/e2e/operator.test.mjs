// Browser end-to-end test of the GoldArena operator page (/operator).
//
// Runs against a server that is already running (started by the Rust test
// harness) at GOLDARENA_E2E_URL, using a system Chromium driven by
// playwright-core; see harness.mjs for the environment. Besides, it needs:
//   GOLDARENA_E2E_OPERATOR_EMAIL     an operator account ...
//   GOLDARENA_E2E_OPERATOR_PASSWORD  ... and its password
//   GOLDARENA_E2E_BATTLE_ID          a battle that has a vote (to void)
// and the demo model `demo-sloppy`, active. Run with `node --test` from this
// directory.
//
// The steps depend on each other (log in, change things, read the audit
// log, log out), so they run in order inside one suite; a missing setting or
// browser fails them all rather than skipping.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  TEST_TIMEOUT_MS,
  assertBaseUrl,
  assertEnvironment,
  launchBrowser,
  newContext,
  screenshot,
  text,
  waitForState,
  watch,
} from './harness.mjs';

const EMAIL = process.env.GOLDARENA_E2E_OPERATOR_EMAIL || '';
const PASSWORD = process.env.GOLDARENA_E2E_OPERATOR_PASSWORD || '';
const BATTLE_ID = process.env.GOLDARENA_E2E_BATTLE_ID || '';
const MODEL = 'demo-sloppy';
// Markup in the reason must reach the audit log as text, never as elements.
const REASON = 'Duplicate prompt <img src=x onerror="window.__xss=1"> (e2e)';

/** Problems seen on any page: each one fails the last test. */
const problems = [];

/** Every request the pages sent that may change something: method, path, content type, body. */
const unsafeRequests = [];

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Matches the response to a `method` request whose path matches `re`. */
const isApi = (method, re) => (r) => r.request().method() === method && re.test(new URL(r.url()).pathname);
const isMe = isApi('GET', /^\/api\/v1\/me$/);
const isLogin = isApi('POST', /^\/api\/v1\/auth\/login$/);
const isLogout = isApi('POST', /^\/api\/v1\/auth\/logout$/);
const isRefresh = isApi('POST', /^\/api\/v1\/auth\/refresh$/);
const isModels = isApi('GET', /^\/api\/v1\/admin\/models$/);
const isPatchModel = (name) =>
  isApi('PATCH', new RegExp(`^/api/v1/admin/models/${escapeRe(encodeURIComponent(name))}$`));
const isVoid = isApi('POST', /^\/api\/v1\/admin\/battles\/[^/]+\/void$/);
const isAudit = isApi('GET', /^\/api\/v1\/admin\/audit$/);

/** Watch `page` as harness.watch() does, and record its unsafe API requests. */
function watchOperator(page, label) {
  watch(problems, page, label);
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (!url.pathname.startsWith('/api/v1/') || ['GET', 'HEAD', 'OPTIONS'].includes(req.method())) return;
    unsafeRequests.push({
      label,
      method: req.method(),
      path: url.pathname,
      contentType: req.headers()['content-type'] || '',
      body: req.postData(),
    });
  });
}

/** The models table's row of `name`. */
const modelRow = (page, name) => page.locator(`#models tbody tr[data-model="${name}"]`);

/** The audit log's rows as shown: id, action, target and the text of each cell. */
function auditRows(page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('#audit tbody tr[data-id]'), (tr) => {
      const cell = (cls) => {
        const td = tr.querySelector(`td.${cls}`);
        return td ? td.textContent.trim() : null;
      };
      return {
        id: tr.dataset.id,
        action: tr.dataset.action,
        target: tr.dataset.target,
        time: cell('op-time'),
        actor: cell('op-actor'),
        actionText: cell('op-action'),
        targetText: cell('op-target'),
        change: cell('op-change'),
      };
    }),
  );
}

/** Wait until the audit table has finished loading. */
function auditSettled(page) {
  return page.locator('#audit[aria-busy="false"]').waitFor();
}

/** A JSON value as the page shows it in the audit log. */
const shownJson = (v) => (v === null || v === undefined ? '—' : JSON.stringify(v));

// Outside the suite so that a missing setup is counted as a failure, not only
// as cancelled steps.
test('the e2e environment is set up', async () => {
  await assertEnvironment();
  assert.ok(EMAIL, 'GOLDARENA_E2E_OPERATOR_EMAIL is not set');
  assert.ok(PASSWORD, 'GOLDARENA_E2E_OPERATOR_PASSWORD is not set');
  assert.ok(BATTLE_ID, 'GOLDARENA_E2E_BATTLE_ID is not set');
});

describe('GoldArena operator page', { timeout: 12 * TEST_TIMEOUT_MS }, () => {
  let browser;
  let context;
  let page; // the operator page, kept across steps
  let loggedIn = false;
  let deactivated = false;
  let voided = false;

  before(async () => {
    assertBaseUrl();
    browser = await launchBrowser();
    context = await newContext(browser);
    page = await context.newPage();
    watchOperator(page, 'operator');
  });

  after(async () => {
    if (browser) await browser.close();
  });

  test('the operator page asks for a login', { timeout: TEST_TIMEOUT_MS }, async () => {
    const [meRes, nav] = await Promise.all([page.waitForResponse(isMe), page.goto(`${BASE_URL}/operator`)]);
    assert.ok(nav, 'no response for /operator');
    assert.equal(nav.status(), 200, 'GET /operator failed');
    const csp = nav.headers()['content-security-policy'] || '';
    assert.match(csp, /script-src 'self'/, `GET /operator lacks the strict Content-Security-Policy (got ${JSON.stringify(csp)})`);
    assert.equal(meRes.status(), 401, `GET /api/v1/me without a session: ${await meRes.text()}`);
    assert.equal((await meRes.json()).error.code, 'unauthenticated');

    await waitForState(page, 'login');
    assert.ok(await page.locator('#login-form').isVisible(), 'the login form is hidden');
    assert.equal(await page.locator('#operator-view').isVisible(), false, 'the operator views show before a login');
    assert.equal(await page.locator('#session').isVisible(), false, 'the header shows a session before a login');
    // The fields are reachable by their labels.
    assert.equal(await page.getByLabel('Email', { exact: true }).getAttribute('type'), 'email');
    assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('type'), 'password');
  });

  test('a wrong password shows an error', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.getByLabel('Email', { exact: true }).fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(`${PASSWORD} but wrong`);
    const [res] = await Promise.all([
      page.waitForResponse(isLogin),
      page.getByRole('button', { name: 'Log in', exact: true }).click(),
    ]);
    assert.equal(res.status(), 401, `a wrong password: ${await res.text()}`);
    const body = await res.json();
    assert.equal(body.error.code, 'invalid_credentials');

    const box = page.locator('#login-error');
    await box.waitFor();
    const shown = await box.innerText();
    assert.ok(shown.includes(body.error.message), `#login-error (${shown}) lacks the server's message`);
    assert.ok(shown.includes('invalid_credentials'), `#login-error (${shown}) lacks the error code`);
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'login');
    assert.equal(await page.locator('#operator-view').isVisible(), false, 'the operator views show after a wrong password');
    const cookies = await context.cookies();
    assert.ok(!cookies.some((c) => c.name === 'ga_access'), 'a wrong password set a session cookie');
  });

  test('the operator logs in', { timeout: TEST_TIMEOUT_MS }, async () => {
    await page.getByLabel('Email', { exact: true }).fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    const [res, modelsRes] = await Promise.all([
      page.waitForResponse(isLogin),
      page.waitForResponse(isModels),
      page.getByRole('button', { name: 'Log in', exact: true }).click(),
    ]);
    assert.equal(res.status(), 200, `log in: ${await res.text()}`);
    assert.deepEqual(res.request().postDataJSON(), { email: EMAIL, password: PASSWORD });
    const body = await res.json();
    assert.equal(body.token_type, 'Bearer');
    assert.ok(body.access_token, 'the login answer has no access_token');
    assert.equal(body.user.email, EMAIL);
    assert.equal(body.user.role, 'operator');
    assert.equal(modelsRes.status(), 200, `GET /api/v1/admin/models: ${await modelsRes.text()}`);

    await waitForState(page, 'ready');
    loggedIn = true;
    assert.equal(await text(page, '#user-email'), EMAIL);
    assert.equal((await page.locator('#user-role').textContent()).trim(), 'operator');
    assert.ok(await page.getByRole('button', { name: 'Log out', exact: true }).isVisible(), 'no Log out button');
    assert.equal(await page.locator('#login-view').isVisible(), false, 'the login form still shows');
    assert.equal(await page.locator('#login-error').isVisible(), false, 'the wrong-password error still shows');

    // The session is in HttpOnly, SameSite=Strict cookies; the page keeps no token of its own.
    const cookies = await context.cookies();
    for (const name of ['ga_access', 'ga_refresh']) {
      const c = cookies.find((k) => k.name === name);
      assert.ok(c, `no ${name} cookie after logging in (got ${cookies.map((k) => k.name).join(', ')})`);
      assert.equal(c.httpOnly, true, `${name} is not HttpOnly`);
      assert.equal(c.sameSite, 'Strict', `${name} is not SameSite=Strict`);
    }
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'the page stored something');
    assert.ok(!(await page.evaluate(() => document.cookie)).includes('ga_'), 'a session cookie is readable by scripts');

    const row = modelRow(page, MODEL);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-active'), 'true', `${MODEL} is not active to begin with`);
    assert.ok(await row.getByRole('checkbox', { name: `${MODEL}: active`, exact: true }).isChecked());
    const listed = (await modelsRes.json()).models.map((m) => m.name);
    const shown = await page.locator('#models tbody tr[data-model]').evaluateAll((trs) => trs.map((tr) => tr.dataset.model));
    assert.deepEqual(shown, listed, 'the table does not list the models the server sent');
    await screenshot(page, 'operator.png');
  });

  test(`deactivating ${MODEL} saves it at once`, { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    const row = modelRow(page, MODEL);
    const box = row.getByRole('checkbox', { name: `${MODEL}: active`, exact: true });
    const [res] = await Promise.all([page.waitForResponse(isPatchModel(MODEL)), box.click()]);
    assert.equal(res.status(), 200, `PATCH ${MODEL}: ${await res.text()}`);
    assert.deepEqual(res.request().postDataJSON(), { active: false });
    const model = await res.json();
    assert.equal(model.name, MODEL);
    assert.equal(model.active, false, 'the server did not deactivate the model');

    await page.locator(`#models tbody tr[data-model="${MODEL}"][data-active="false"][aria-busy="false"]`).waitFor();
    assert.equal(await box.isChecked(), false, 'the active box is still ticked');
    assert.match(await text(page, `#models tbody tr[data-model="${MODEL}"] td.op-active`), /^inactive$/);
    assert.match(await text(page, '#models-status'), new RegExp(`${escapeRe(MODEL)} is now inactive`));
    assert.equal(await page.locator('#models-error').isVisible(), false, 'an error shows after the change');
    deactivated = true;

    // It stays so after a reload (the session survives it too).
    await page.reload();
    await waitForState(page, 'ready');
    assert.equal(await modelRow(page, MODEL).getAttribute('data-active'), 'false', `${MODEL} is active again after a reload`);
    assert.equal(await row.getByRole('checkbox', { name: `${MODEL}: active`, exact: true }).isChecked(), false);
  });

  test('voiding the battle shows that it is void', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    await page.getByLabel('Battle id', { exact: true }).fill(BATTLE_ID);
    await page.getByLabel('Reason', { exact: true }).fill(REASON);
    const [res] = await Promise.all([
      page.waitForResponse(isVoid),
      page.getByRole('button', { name: 'Void battle', exact: true }).click(),
    ]);
    assert.equal(res.status(), 200, `void: ${await res.text()}`);
    assert.equal(new URL(res.url()).pathname, `/api/v1/admin/battles/${encodeURIComponent(BATTLE_ID)}/void`);
    assert.deepEqual(res.request().postDataJSON(), { reason: REASON });
    const body = await res.json();
    assert.equal(String(body.battle_id), BATTLE_ID);
    assert.equal(body.status, 'void');
    voided = true;

    const result = page.locator('#void-result');
    await result.locator('p').waitFor();
    const shown = await result.innerText();
    assert.ok(shown.includes(BATTLE_ID), `#void-result (${shown}) does not name the battle`);
    assert.match(shown, /is void/);
    assert.ok(shown.includes(REASON), `#void-result (${shown}) does not show the reason as text`);
    assert.ok(await result.getByRole('button', { name: 'Restore it' }).isVisible(), 'no Restore button');
    assert.equal(await page.locator('#void-error').isVisible(), false, 'an error shows after voiding');
    assert.equal(await page.getByLabel('Battle id', { exact: true }).inputValue(), '', 'the form was not emptied');
  });

  test('voiding it again shows the error', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(voided, 'the battle was not voided (an earlier step failed)');
    await page.getByLabel('Battle id', { exact: true }).fill(BATTLE_ID);
    await page.getByLabel('Reason', { exact: true }).fill('Again');
    const [res] = await Promise.all([
      page.waitForResponse(isVoid),
      page.getByRole('button', { name: 'Void battle', exact: true }).click(),
    ]);
    assert.equal(res.status(), 409, `voiding a void battle: ${await res.text()}`);
    const body = await res.json();
    assert.equal(body.error.code, 'battle_closed');
    const box = page.locator('#void-error');
    await box.waitFor();
    const shown = await box.innerText();
    assert.ok(shown.includes(body.error.message), `#void-error (${shown}) lacks the server's message`);
    assert.ok(shown.includes('battle_closed'), `#void-error (${shown}) lacks the error code`);
    assert.equal(await page.locator('#void-result').innerText(), '', 'the last success still shows');
    await page.getByLabel('Battle id', { exact: true }).fill('');
    await page.getByLabel('Reason', { exact: true }).fill('');
  });

  test('the audit log shows the model change and the void', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(deactivated && voided, 'nothing to find in the audit log (an earlier step failed)');
    await auditSettled(page);
    const [res] = await Promise.all([
      page.waitForResponse(isAudit),
      page.locator('#audit-section').getByRole('button', { name: 'Refresh', exact: true }).click(),
    ]);
    assert.equal(res.status(), 200, `GET /api/v1/admin/audit: ${await res.text()}`);
    assert.equal(new URL(res.url()).searchParams.get('limit'), '50');
    const data = await res.json();
    await auditSettled(page);
    assert.equal(await page.locator('#audit-error').isVisible(), false, 'the audit log shows an error');

    const rows = await auditRows(page);
    assert.deepEqual(
      rows.map((r) => r.id),
      data.entries.map((e) => String(e.id)),
      'the table does not list the entries the server sent',
    );
    const update = rows.find((r) => r.action === 'model.update' && r.target === MODEL);
    const voidRow = rows.find((r) => r.action === 'battle.void' && r.target === BATTLE_ID);
    assert.ok(update, `no model.update entry for ${MODEL} in ${JSON.stringify(rows)}`);
    assert.ok(voidRow, `no battle.void entry for ${BATTLE_ID} in ${JSON.stringify(rows)}`);
    assert.ok(rows.indexOf(voidRow) < rows.indexOf(update), 'the audit log is not newest first');

    for (const row of [update, voidRow]) {
      const entry = data.entries.find((e) => String(e.id) === row.id);
      assert.equal(row.actionText, entry.action);
      assert.equal(row.targetText, String(entry.target));
      assert.ok(row.actor && row.actor !== '—', `entry ${row.id} shows no actor`);
      assert.match(row.time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/, `entry ${row.id}: odd time ${row.time}`);
      for (const value of [entry.before, entry.after]) {
        const json = shownJson(value);
        if (json.length <= 300) {
          assert.ok(row.change.includes(json), `entry ${row.id}: ${row.change} lacks ${json}`);
        }
      }
    }
    const updateEntry = data.entries.find((e) => String(e.id) === update.id);
    assert.match(JSON.stringify(updateEntry.after), /"active":false/, 'model.update does not record active: false');

    // The reason was shown as text: no element came of its markup.
    assert.equal(await page.locator('#audit img, #void-result img').count(), 0, 'markup from the reason became elements');
    assert.equal(await page.evaluate(() => typeof window.__xss), 'undefined', 'window.__xss was set');
    await screenshot(page, 'operator-audit.png');
  });

  test('Load more pages through the audit log', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(deactivated && voided, 'too little in the audit log (an earlier step failed)');
    const all = await page.request.get(`${BASE_URL}/api/v1/admin/audit?limit=50`);
    assert.equal(all.status(), 200, `GET /api/v1/admin/audit: ${await all.text()}`);
    const ids = (await all.json()).entries.map((e) => String(e.id));
    assert.ok(ids.length >= 2, `only ${ids.length} audit entries`);
    assert.equal(await page.locator('#audit-more').isVisible(), false, '"Load more" shows with every entry listed');

    // One entry a page, so that every entry takes a "Load more".
    const onePerPage = (route) => {
      const url = new URL(route.request().url());
      url.searchParams.set('limit', '1');
      return route.continue({ url: url.toString() });
    };
    const auditUrl = (url) => url.pathname === '/api/v1/admin/audit';
    await page.route(auditUrl, onePerPage);
    try {
      const [first] = await Promise.all([
        page.waitForResponse(isAudit),
        page.locator('#audit-section').getByRole('button', { name: 'Refresh', exact: true }).click(),
      ]);
      assert.equal(first.status(), 200);
      await auditSettled(page);
      assert.equal((await auditRows(page)).length, 1);
      const more = page.getByRole('button', { name: 'Load more', exact: true });
      for (let i = 1; i < ids.length; i++) {
        assert.ok(await more.isVisible(), `"Load more" is hidden after ${i} of ${ids.length} entries`);
        const [res] = await Promise.all([page.waitForResponse(isAudit), more.click()]);
        assert.equal(res.status(), 200, `Load more: ${await res.text()}`);
        assert.ok(new URL(res.url()).searchParams.get('before'), 'Load more did not say where to go on from');
        await auditSettled(page);
        assert.equal((await auditRows(page)).length, i + 1);
      }
      // The last page may still have a next_before (the server cannot tell); one more click ends it.
      if (await more.isVisible()) {
        const [res] = await Promise.all([page.waitForResponse(isAudit), more.click()]);
        assert.equal(res.status(), 200);
        assert.deepEqual((await res.json()).entries, []);
        await auditSettled(page);
      }
      assert.equal(await more.isVisible(), false, '"Load more" still shows after the last page');
      assert.deepEqual((await auditRows(page)).map((r) => r.id), ids);
    } finally {
      await page.unroute(auditUrl, onePerPage);
    }
  });

  test('an expired access cookie is renewed from the refresh cookie', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    // As when the short-lived access cookie has run out.
    await context.clearCookies({ name: 'ga_access' });
    const [refused, refreshed, again] = await Promise.all([
      page.waitForResponse((r) => isModels(r) && r.status() === 401),
      page.waitForResponse(isRefresh),
      page.waitForResponse((r) => isModels(r) && r.status() !== 401),
      page.locator('#models-section').getByRole('button', { name: 'Refresh', exact: true }).click(),
    ]);
    assert.equal((await refused.json()).error.code, 'unauthenticated');
    assert.equal(refreshed.status(), 200, `POST /api/v1/auth/refresh: ${await refreshed.text()}`);
    assert.equal(again.status(), 200, `GET /api/v1/admin/models after the refresh: ${await again.text()}`);
    await page.locator('#models[aria-busy="false"]').waitFor();
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready', 'the page left the operator views');
    assert.equal(await page.locator('#models-error').isVisible(), false, 'an error shows after the refresh');
    assert.ok((await context.cookies()).some((c) => c.name === 'ga_access'), 'the refresh set no new access cookie');
  });

  test('the operator page fits a phone-sized screen', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    const phone = await newContext(browser, {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
      storageState: await context.storageState(),
    });
    try {
      const p = await phone.newPage();
      watchOperator(p, 'phone');
      await p.goto(`${BASE_URL}/operator`);
      await waitForState(p, 'ready');
      await auditSettled(p);
      assert.ok(await p.locator('#audit tbody tr[data-id]').first().isVisible(), 'the audit log is empty on a phone');
      const scrollWidth = await p.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scrollWidth <= 391, `the page scrolls sideways on a phone (scrollWidth ${scrollWidth})`);
      // The tables scroll inside their own box instead.
      for (const id of ['models', 'audit']) {
        const box = await p.locator(`#${id}`).locator('xpath=..').boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 391, `#${id}'s scroll box sticks out of the screen`);
      }
      await screenshot(p, 'operator-phone.png');
    } finally {
      await phone.close();
    }
  });

  test('logging out shows the login form again', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(loggedIn, 'not logged in (an earlier step failed)');
    const [res] = await Promise.all([
      page.waitForResponse(isLogout),
      page.getByRole('button', { name: 'Log out', exact: true }).click(),
    ]);
    assert.equal(res.status(), 200, `log out: ${await res.text()}`);
    await waitForState(page, 'login');
    assert.equal(await page.locator('#session').isVisible(), false, 'the header still shows the session');
    assert.equal(await page.locator('#models tbody tr[data-model]').count(), 0, 'the models still show');
    assert.equal(await page.locator('#audit tbody tr[data-id]').count(), 0, 'the audit log still shows');

    const me = await page.request.get(`${BASE_URL}/api/v1/me`);
    assert.equal(me.status(), 401, `GET /api/v1/me after logging out: ${await me.text()}`);
    await page.reload();
    await waitForState(page, 'login');
  });

  test('every change was sent as JSON', () => {
    assert.ok(unsafeRequests.length >= 5, `only ${unsafeRequests.length} unsafe requests were seen`);
    for (const r of unsafeRequests) {
      assert.match(r.contentType, /^application\/json\b/, `${r.method} ${r.path} was sent as ${JSON.stringify(r.contentType)}`);
      assert.doesNotThrow(() => JSON.parse(r.body ?? ''), `${r.method} ${r.path} has no JSON body: ${r.body}`);
    }
    const logout = unsafeRequests.find((r) => r.path === '/api/v1/auth/logout');
    assert.ok(logout, 'no logout request was seen');
    assert.deepEqual(JSON.parse(logout.body), {});
  });

  test('no dialogs, page errors, CSP violations or missing assets', () => {
    assert.deepEqual(problems, []);
  });
});
