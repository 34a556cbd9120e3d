// Shared by the browser test files: a real `kakunin serve` per file, Debian's chromium,
// phone and desktop pages, axe-core checks with screenshots, and the steps many journeys
// share (staff enrolment, filling a person, uploading a photo).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { startKakunin, workspace } from './server.mjs';
import { totp } from './totp.mjs';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
export const artifacts = join(workspace, 'tests/browser/artifacts');
export const photo = join(workspace, 'tests/fixtures/images/phone/phone-gps-orientation6.jpg');
export const NUMBERS = ['123456789018', '987654321093', '111111111118', '202020202027'];

/** Launches Debian's chromium headless (the artifacts directory is created too). */
export async function launchBrowser() {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A real `kakunin serve` and a browser for the test file: started before its tests and
 * stopped after them; read `env.kakunin` and `env.browser` inside the tests. */
export function serveAndBrowse() {
  const env = {};
  before(async () => {
    env.kakunin = await startKakunin();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.kakunin?.stop();
  });
  return env;
}

function watchCsp(page) {
  const cspViolations = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) { cspViolations.push(m.text()); } });
  page.cspViolations = cspViolations;
  return page;
}

/** A 360×740 phone page (bypassCSP only so that axe can be injected); `options` are
 * more context options (e.g. `{ javaScriptEnabled: false }`). */
export async function phone(browser, options = {}) {
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'ja-JP', bypassCSP: true, ...options,
  });
  return watchCsp(await context.newPage());
}

/** A desktop page, 1280×900 unless told (the staff desk is also tried at 1366×768). */
export async function desktop(browser, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, locale: 'ja-JP', bypassCSP: true });
  return watchCsp(await context.newPage());
}

/** Signs a staff member in on the pages and enrols the authenticator (first sign-in);
 * returns the authenticator's secret (for step-up codes). */
export async function enrolStaff(page, username, password, screenshot) {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(/\/s\/totp$/), page.click('form button[type=submit]')]);
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/s/totp/enrol"] button')]);
  await page.waitForSelector('#totp-secret');
  if (screenshot) { await check(page, screenshot); }
  const secret = (await page.textContent('#totp-secret')).trim();
  await page.fill('#code', totp(secret));
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/s/totp/confirm"] button')]);
  await page.waitForSelector('#recovery-codes');
  return secret;
}

/** Checks the page: axe (no serious/critical), no full number, no horizontal scroll; screenshot. */
export async function check(page, name) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), [], `axe on ${name}`);
  const html = await page.content();
  for (const n of NUMBERS) { assert.ok(!html.includes(n), `${name} shows a full number`); }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${name} scrolls sideways by ${overflow}px`);
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

export async function fillPerson(page, { relationship, name, kana, birth, number }) {
  if (relationship) { await page.selectOption('#relationship', relationship); }
  await page.fill('#name', name);
  await page.fill('#name_kana', kana);
  await page.fill('#birth_date', birth);
  if (number) { await page.fill('#number', number); }
}

export async function uploadPhoto(page, kind) {
  await page.selectOption('#kind', kind);
  await page.setInputFiles('#file', photo);
  await page.waitForSelector('#preview:not([hidden])');
  const before = await page.locator('.docs > li').count();
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/provider/subjects/') && r.request().method() === 'POST'),
    page.click('#upload button[type=submit]'),
  ]);
  assert.equal(response.status(), 201);
  assert.ok(response.request().headers()['idempotency-key'], 'the upload carries an Idempotency-Key');
  // The script reloads the page, which shows the new photo's scrub report.
  await page.waitForLoadState('load');
  await page.waitForSelector('#preview', { state: 'hidden' });
  await page.waitForSelector('.notice.ok');
  assert.equal(await page.locator('.docs > li').count(), before + 1);
}

/** On the review desk (one person at a time): fills every visible-once-shown field matching
 * `selector` with `value`, going through the people's tabs like an officer would. */
export async function fillOnEachPerson(desk, selector, value) {
  const tabs = desk.locator('.people-tabs a[data-person]');
  for (let i = 0; i < await tabs.count(); i++) {
    await tabs.nth(i).click();
    const fields = desk.locator(`section.person:not([hidden]) ${selector}`);
    for (let j = 0; j < await fields.count(); j++) { await fields.nth(j).fill(value); }
  }
}

/** An employee opens their link on `page`, enters their own details and number, uploads
 * the card and hands in (the status page follows). */
export async function handInAsEmployee(page, link, person) {
  await page.goto(link);
  await Promise.all([page.waitForURL(/\/p$/), page.click('button[value=start]')]);
  await page.click('a[href="/p/self"]');
  await fillPerson(page, person);
  await Promise.all([page.waitForURL(/documents/), page.click('form.stack button[type=submit]')]);
  await uploadPhoto(page, 'my_number_card_front');
  await page.click('a[href="/p/dependants"].secondary');
  await page.click('a[href="/p/review"].btn');
  await Promise.all([page.waitForURL(/\/p\/status$/), page.click('form[action="/p/submit"] button')]);
}

/** The signed-in officer on `desk` claims the next submission and verifies it with the
 * card's validity filled in. */
export async function verifyNext(desk) {
  await desk.goto(`${new URL(desk.url()).origin}/s/queue`);
  await Promise.all([desk.waitForURL(/\/s\/submissions\//), desk.click('#claim-next')]);
  await fillOnEachPerson(desk, 'input[name^="valid_until."]', '2031-05-31');
  await Promise.all([desk.waitForURL(/\/s\/queue$/), desk.click('#verify button[value=queue]')]);
}
