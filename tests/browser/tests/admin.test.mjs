// The admin's desk on a desktop (1366×768), against the real `kakunin serve`: two admins
// run a staff account's life cycle (propose, approve after seeing the proposal, the
// holder's activation, disable), a payroll client's (rotate with the token shown once,
// revoke), and sign the periodic access review off; an admin names a branch and checks a
// roster as Excel writes it. axe on every page; screenshots b-….
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKakunin } from './server.mjs';
import { check, desktop as desktopIn, enrolStaff, launchBrowser } from './lib.mjs';
import { totp } from './totp.mjs';

const VIEWPORT = { width: 1366, height: 768 };

describe('the admin desk', () => {
  let kakunin;
  let browser;
  const desktop = () => desktopIn(browser, VIEWPORT);

  before(async () => {
    kakunin = await startKakunin();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await kakunin?.stop();
  });

  const signedInAdmin = async (username, password) => {
    kakunin.addUser('admin', username, password);
    const page = await desktop();
    await page.goto(`${kakunin.base}/s/sign-in`);
    const secret = await enrolStaff(page, username, password);
    return { page, secret };
  };

  test('a roster as Excel writes it: slashed dates, branches by name, rows numbered as Excel shows them', async () => {
    const a = await signedInAdmin('admin.roster', 'roster admin passphrase');
    // The branch gets the name HR's rosters use, on the branches page; a second branch
    // cannot take the same name.
    await Promise.all([a.page.waitForURL(/\/s\/branches$/), a.page.click('nav a[href="/s/branches"]')]);
    await a.page.fill('#code', 'OSK');
    await a.page.fill('#display_name', '大阪支店');
    await Promise.all([a.page.waitForLoadState('load'), a.page.click('#name-branch button[type=submit]')]);
    assert.match(await a.page.textContent('.notice.ok'), /表示名を保存しました/);
    assert.match(await a.page.textContent('#branches tr[data-code="OSK"]'), /大阪支店/);
    await a.page.fill('#code', 'KBE');
    await a.page.fill('#display_name', '大阪支店');
    await Promise.all([a.page.waitForLoadState('load'), a.page.click('#name-branch button[type=submit]')]);
    assert.equal(await a.page.locator('.notice.error').count(), 1);
    assert.equal(await a.page.locator('#branches tr[data-code="KBE"]').count(), 0);
    await check(a.page, 'b-12-branches');
    await a.page.goto(`${kakunin.base}/s/invitations/new`);
    // Excel's CSV: CRLF lines, 1985/2/28 dates, the branch by the name HR uses. Row 3 has
    // a day that does not exist; the check names it with the value as typed.
    await a.page.fill('#roster', '社員番号,氏名,フリガナ,拠点,生年月日\r\nX1,森 一郎,モリ イチロウ,大阪支店,1985/2/28\r\nX2,林 二子,ハヤシ ニコ,大阪支店,1985/02/30\r\n');
    await Promise.all([a.page.waitForLoadState('load'), a.page.click('#invite-roster button[type=submit]')]);
    const problem = a.page.locator('tr.problem');
    assert.equal(await problem.count(), 1);
    assert.equal((await problem.locator('td').nth(0).textContent()).trim(), '3', 'the row as Excel numbers it');
    assert.equal((await problem.locator('td.value').textContent()).trim(), '1985/02/30');
    await check(a.page, 'b-13-roster-excel-refused');
    await a.page.goto(`${kakunin.base}/s/invitations/new`);
    await a.page.fill('#roster', '社員番号,氏名,フリガナ,拠点,生年月日\r\nX1,森 一郎,モリ イチロウ,大阪支店,1985/2/28\r\nX2,林 二子,ハヤシ ニコ,大阪支店,1985/02/27\r\n');
    await Promise.all([a.page.waitForLoadState('load'), a.page.click('#invite-roster button[type=submit]')]);
    assert.equal(await a.page.locator('tr.problem').count(), 0);
    const rows = await a.page.textContent('#preview-rows');
    assert.match(rows, /森 一郎/);
    assert.match(rows, /大阪支店（OSK）/);
    await check(a.page, 'b-14-roster-excel-check');
    await Promise.all([a.page.waitForLoadState('load'), a.page.click('#invite-create button[type=submit]')]);
    assert.equal(await a.page.locator('.invite-card').count(), 2);
    await a.page.context().close();
  });

  test('two admins run an account, a payroll client and the access review', async () => {
    const a = await signedInAdmin('admin.one', 'first admin passphrase');
    const b = await signedInAdmin('admin.two', 'second admin passphrase');

    // The first admin proposes a new officer.
    await a.page.goto(`${kakunin.base}/s`);
    await Promise.all([a.page.waitForURL(/\/s\/accounts$/), a.page.click('a.btn[href="/s/accounts"]')]);
    await check(a.page, 'b-01-accounts');
    await a.page.fill('#username', 'officer.b');
    await a.page.selectOption('#role', 'officer');
    await a.page.fill('#scopes', 'TKY');
    await Promise.all([a.page.waitForLoadState('load'), a.page.click('#propose-account button[type=submit]')]);
    assert.match(await a.page.textContent('.notice.ok'), /別の管理者の承認を待ちます/);
    assert.equal(await a.page.locator('#pending-grants form[action$="/approve"]').count(), 0,
      'the proposer has no approve form');
    await check(a.page, 'b-02-accounts-proposed');

    // The second admin sees what is proposed and approves with the step-up.
    await b.page.goto(`${kakunin.base}/s/accounts`);
    const proposal = await b.page.textContent('#pending-grants');
    assert.match(proposal, /officer\.b/);
    assert.match(proposal, /事務取扱担当者/);
    assert.match(proposal, /TKY/);
    assert.match(proposal, /admin\.one/);
    await check(b.page, 'b-03-accounts-to-approve');
    await b.page.fill('#pending-grants input[name=password]', 'second admin passphrase');
    await b.page.fill('#pending-grants input[name=totp]', totp(b.secret, 1));
    await Promise.all([b.page.waitForLoadState('load'), b.page.click('#pending-grants form[action$="/approve"] button')]);
    assert.match(await b.page.textContent('.notice.ok'), /kakunin user activation/);
    assert.equal(await b.page.getAttribute('#account-officer\\.b', 'data-state'), 'activation_pending');
    await check(b.page, 'b-04-accounts-approved');

    // The holder opens the operator's link, sets a password, signs in and enrols.
    const holder = await desktop();
    await holder.goto(kakunin.activationLink('officer.b'));
    await check(holder, 'b-05-activation');
    await holder.fill('#password', 'the new officer passphrase');
    await holder.fill('#password_again', 'the new officer passphrase');
    await Promise.all([holder.waitForLoadState('load'), holder.click('form button[type=submit]')]);
    await holder.waitForSelector('#activated');
    await holder.goto(`${kakunin.base}/s/sign-in`);
    await enrolStaff(holder, 'officer.b', 'the new officer passphrase');

    // The first admin sees it enrolled, then disables it: its session ends at once.
    await a.page.goto(`${kakunin.base}/s/accounts`);
    assert.equal(await a.page.getAttribute('#account-officer\\.b', 'data-state'), 'enabled');
    assert.match(await a.page.textContent('#account-officer\\.b'), /登録済み/);
    await Promise.all([a.page.waitForLoadState('load'), a.page.click('button[aria-label="無効化する: officer.b"]')]);
    assert.match(await a.page.textContent('.notice.ok'), /無効化しました/);
    assert.equal(await a.page.getAttribute('#account-officer\\.b', 'data-state'), 'disabled');
    await check(a.page, 'b-06-accounts-disabled');
    const gone = await holder.goto(`${kakunin.base}/s/queue`);
    assert.match(gone.url(), /\/s\/sign-in$/);

    // A payroll client: the token rotated on the page is shown once; then revoked.
    const oldToken = kakunin.payrollClient('payroll.main');
    const pull = (token) => fetch(`${kakunin.base}/api/v1/payroll/releases`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await pull(oldToken)).status, 200);
    await a.page.goto(`${kakunin.base}/s/payroll-clients`);
    await check(a.page, 'b-07-payroll-clients');
    await Promise.all([a.page.waitForLoadState('load'), a.page.click('button[aria-label="トークンを再発行: payroll.main"]')]);
    const newToken = (await a.page.textContent('#new-token')).trim();
    assert.match(await a.page.textContent('#new-token-card'), /今すぐ/);
    await check(a.page, 'b-08-payroll-rotated');
    assert.notEqual(newToken, oldToken);
    assert.equal((await pull(oldToken)).status, 401);
    assert.equal((await pull(newToken)).status, 200);
    await a.page.goto(`${kakunin.base}/s/payroll-clients`);
    assert.equal(await a.page.locator('#new-token').count(), 0, 'shown once');
    await Promise.all([a.page.waitForLoadState('load'), a.page.click('button[aria-label="失効させる: payroll.main"]')]);
    assert.match(await a.page.textContent('.notice.ok'), /もう取得できません/);
    assert.equal(await a.page.getAttribute('tr[data-name="payroll.main"]', 'data-state'), 'revoked');
    await check(a.page, 'b-09-payroll-revoked');
    assert.equal((await pull(newToken)).status, 401);

    // The access review: every account with its rights, signed off with remarks.
    await b.page.goto(`${kakunin.base}/s/access-review`);
    const sheet = await b.page.textContent('#review-accounts');
    for (const name of ['admin.one', 'admin.two', 'officer.b']) { assert.match(sheet, new RegExp(name.replace('.', '\\.'))); }
    await check(b.page, 'b-10-access-review');
    await b.page.fill('#remarks', '全アカウントの役割と担当拠点を確認した。officer.b は無効化済み。');
    await Promise.all([b.page.waitForLoadState('load'), b.page.click('#sign-off button[type=submit]')]);
    assert.match(await b.page.textContent('.notice.ok'), /アクセス権の見直しを記録しました/);
    assert.match(await b.page.textContent('#past-reviews'), /admin\.two/);
    await check(b.page, 'b-11-access-review-signed');

    for (const page of [a.page, b.page, holder]) { assert.deepEqual(page.cspViolations, []); }
    for (const page of [a.page, b.page, holder]) { await page.context().close(); }
  });
});
