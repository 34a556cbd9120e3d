// The auditor's desk on a 1366×768 desktop (issue 18): the trail searched by a staff
// member's name and by plain dates from the pickers, by a person's name and by kind of
// action; newest first, paged; the CSV downloads (byte-order mark, Japanese headers); the
// sign-in history; and the periodic audit review signed off. axe on every page; screenshots
// start with `a-`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startKakunin } from './server.mjs';
import { check, desktop, enrolStaff, launchBrowser } from './lib.mjs';

let kakunin;
let browser;

before(async () => {
  kakunin = await startKakunin();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await kakunin?.stop();
});

/** Today's date in Japan, `YYYY-MM-DD`. */
function jstToday() {
  return new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10);
}

async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return readFileSync(await file.path());
}

describe('the auditor\'s desk', () => {
  test('an auditor searches by name and date, pages, downloads and signs off a review', async () => {
    const password = 'auditor desk passphrase';
    kakunin.addUser('auditor', 'auditor.a', password);
    kakunin.addUser('officer', 'officer.b', 'officer desk passphrase', ['TKY']);
    kakunin.invite('employee', '佐藤 花子', undefined, 'TKY');
    const refused = await fetch(`${kakunin.base}/api/v1/staff/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: kakunin.base },
      body: JSON.stringify({ username: 'officer.b', password: 'not the passphrase' }),
    });
    assert.equal(refused.status, 401);

    const desk = await desktop(browser, { width: 1366, height: 768 });
    await desk.goto(`${kakunin.base}/s/sign-in`);
    await enrolStaff(desk, 'auditor.a', password);
    await desk.goto(`${kakunin.base}/s/audit`);
    await check(desk, 'a-01-trail');

    // By name and by the day, from the pickers.
    const today = jstToday();
    await desk.selectOption('#staff', 'auditor.a');
    await desk.fill('#from', today);
    await desk.fill('#to', today);
    await Promise.all([desk.waitForURL(/staff=auditor\.a/), desk.click('form.filters button')]);
    const byName = await desk.textContent('table.audit tbody');
    assert.match(byName, /二要素認証を登録/);
    assert.match(byName, /staff\.totp_enrol/);
    assert.doesNotMatch(await desk.content(), /staff:[0-9a-f]{8}-/, 'no raw staff id');
    await check(desk, 'a-02-trail-by-name-and-date');

    // By a person's name, and by the kind of action.
    await desk.goto(`${kakunin.base}/s/audit`);
    await desk.fill('#person', '佐藤');
    await Promise.all([desk.waitForURL(/person=/), desk.click('form.filters button')]);
    assert.match(await desk.textContent('table.audit tbody'), /佐藤 花子/);
    assert.match(await desk.textContent('table.audit tbody'), /招待を作成/);
    await check(desk, 'a-03-trail-by-person');
    await desk.fill('#person', '');
    await desk.selectOption('#family', 'sign_in');
    await Promise.all([desk.waitForURL(/family=sign_in/), desk.click('form.filters button')]);
    assert.match(await desk.textContent('table.audit tbody'), /職員のサインイン/);

    // More than a page: newest first, older and back.
    await desk.evaluate(async () => {
      for (let i = 0; i < 55; i++) { await fetch('/s/ledgers/files'); }
    });
    await desk.goto(`${kakunin.base}/s/audit`);
    assert.equal(await desk.locator('table.audit tbody tr').count(), 50);
    const firstRow = await desk.textContent('table.audit tbody tr:first-child');
    await Promise.all([desk.waitForURL(/older=/), desk.click('a[rel=next]')]);
    await check(desk, 'a-04-trail-older-page');
    await Promise.all([desk.waitForURL(/newer=/), desk.click('a[rel=prev]')]);
    assert.equal(await desk.textContent('table.audit tbody tr:first-child'), firstRow, 'the same first page');

    // The CSV of the same search.
    await desk.goto(`${kakunin.base}/s/audit?staff=auditor.a`);
    const trailCsv = await download(desk, 'a[href^="/s/audit.csv"]');
    assert.deepEqual([...trailCsv.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'BOM');
    assert.match(trailCsv.toString('utf8'), /番号,日時（日本時間）,操作者/);

    // The sign-in history.
    await desk.click('a[href="/s/sign-ins"]');
    await desk.fill('#username', 'officer.b');
    await Promise.all([desk.waitForURL(/username=officer\.b/), desk.click('form.filters button')]);
    assert.match(await desk.textContent('table.sign-ins tbody'), /パスワード誤り/);
    await check(desk, 'a-05-sign-in-history');
    const signInCsv = await download(desk, 'a[href^="/s/sign-ins.csv"]');
    assert.match(signInCsv.toString('utf8'), /officer\.b/);

    // The periodic review.
    await desk.click('a[href="/s/audit/reviews"]');
    await check(desk, 'a-06-audit-reviews');
    await desk.fill('#review-from', `${today.slice(0, 7)}-01`);
    await desk.fill('#review-to', today);
    await desk.check('input[name=looked_at][value=trail]');
    await desk.check('input[name=looked_at][value=sign_ins]');
    await desk.check('input[name=looked_at][value=export_ledger]');
    await desk.fill('#review-remarks', '深夜の閲覧なし。持出は予定どおり。');
    await Promise.all([desk.waitForLoadState('load'), desk.click('#sign-off button[type=submit]')]);
    await desk.waitForSelector('.notice.ok');
    assert.match(await desk.textContent('table.reviews'), /深夜の閲覧なし/);
    assert.match(await desk.textContent('table.reviews'), /auditor\.a/);
    await check(desk, 'a-07-audit-review-signed-off');
    assert.deepEqual(desk.cspViolations, []);
    await desk.context().close();
  });
});
