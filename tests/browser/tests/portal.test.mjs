// The provider portal on a 360×740 phone: an employee with two dependants from the
// invitation to submitted, a payee whose link shows status only afterwards, a decline,
// a correction round trip with an officer working the staff pages on a desktop, a branch
// collector, an auditor, and an admin inviting from a roster.
// Each page of the flow is checked with axe-core (no serious or critical violation) and
// screenshots go to artifacts/ for a human look.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKakunin } from './server.mjs';
import {
  NUMBERS, artifacts, check, desktop as desktopIn, enrolStaff, fillPerson, launchBrowser, phone as phoneIn, photo,
  uploadPhoto,
} from './lib.mjs';

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

const phone = () => phoneIn(browser);
const desktop = () => desktopIn(browser);

describe('provider portal on a phone', () => {
  test('an employee with two dependants goes from the invitation to submitted', async () => {
    const page = await phone();
    await page.goto(kakunin.invite('employee', '山田 太郎', '1990-04-01'));
    assert.match(await page.textContent('h1'), /マイナンバー/);
    assert.match(await page.textContent('body'), /源泉徴収票作成事務/);
    await check(page, '01-landing');

    // A wrong birth date is explained on the same page.
    await page.fill('#birth_date', '1991-01-01');
    await page.click('button[value=start]');
    await page.waitForSelector('.notice.error');
    await check(page, '02-landing-wrong-birth-date');
    await page.fill('#birth_date', '1990-04-01');
    await Promise.all([page.waitForURL(/\/p$/), page.click('button[value=start]')]);
    await check(page, '03-overview');

    await page.click('a[href="/p/self"]');
    // The live check-digit feedback, then a refusal from the server keeps the typed name.
    await fillPerson(page, { name: '山田 太郎', kana: '', birth: '1990-04-01', number: '123456789019' });
    assert.match(await page.textContent('#number-live'), /チェックデジット/);
    await page.click('form.stack button[type=submit]');
    await page.waitForSelector('.notice.error');
    assert.equal(await page.inputValue('#name'), '山田 太郎');
    assert.equal(await page.inputValue('#number'), '');
    await check(page, '04-own-details-refused');
    await fillPerson(page, { name: '山田 太郎', kana: 'ヤマダ タロウ', birth: '1990-04-01', number: '1234 5678 9018' });
    assert.match(await page.textContent('#number-live'), /正しい/);
    await Promise.all([page.waitForURL(/documents/), page.click('form.stack button[type=submit]')]);

    await uploadPhoto(page, 'my_number_card_front');
    assert.match(await page.textContent('.docs'), /位置情報を削除しました/);
    await uploadPhoto(page, 'my_number_card_back');
    await check(page, '05-documents');

    await page.click('a[href="/p/dependants"].secondary');
    await check(page, '06-dependants-empty');
    await page.click('a[href="/p/dependants/new"]');
    await fillPerson(page, { relationship: 'spouse', name: '山田 花子', kana: 'ヤマダ ハナコ', birth: '1992-02-02', number: '987654321093' });
    await page.check('input[name=identity_attested]');
    await page.check('input[name=category3_spouse]');
    await check(page, '07-add-spouse');
    await Promise.all([page.waitForURL(/documents/), page.click('form.stack button[type=submit]')]);
    await uploadPhoto(page, 'my_number_card_front');
    await page.click('a[href="/p/dependants"].secondary');

    await page.click('a[href="/p/dependants/new"]');
    await fillPerson(page, { relationship: 'child', name: '山田 一郎', kana: 'やまだ いちろう', birth: '2018-05-05', number: '111111111118' });
    await Promise.all([page.waitForURL(/\/p\/dependants$/), page.click('form.stack button[type=submit]')]);
    // Not attested yet: the review says so and offers no submit button.
    await page.goto(`${new URL(page.url()).origin}/p/review`);
    assert.match(await page.textContent('body'), /扶養家族の本人確認を申告してください/);
    assert.equal(await page.locator('form[action="/p/submit"]').count(), 0);
    await page.goto(`${new URL(page.url()).origin}/p/dependants`);
    await page.locator('.people li', { hasText: '山田 一郎' }).locator('a').click();
    await page.check('input[name=identity_attested]');
    await Promise.all([page.waitForURL(/\/p\/dependants$/), page.click('form.stack button[type=submit]')]);
    await check(page, '08-dependants');

    await page.click('a[href="/p/review"].btn');
    await check(page, '09-review');
    // The review says a number is saved and shows no digit of it (invariant 6).
    assert.match(await page.textContent('body'), /番号登録済み/);
    assert.doesNotMatch(await page.textContent('body'), /9018/);
    await Promise.all([page.waitForURL(/\/p\/status$/), page.click('form[action="/p/submit"] button')]);
    assert.match(await page.textContent('#state'), /提出済み/);
    await check(page, '10-status');

    // English is one tap away and remembered.
    await page.click('a.lang');
    assert.match(await page.textContent('#state'), /Submitted/);
    await check(page, '11-status-en');
    assert.deepEqual(page.cspViolations, []);
    await page.context().close();
  });

  test('a payee submits once and the link then shows the status only', async () => {
    const page = await phone();
    const link = kakunin.invite('payee', '佐藤 次郎');
    await page.goto(link);
    assert.doesNotMatch(await page.textContent('body'), /扶養家族/);
    await Promise.all([page.waitForURL(/\/p$/), page.click('button[value=start]')]);
    assert.equal(await page.locator('a[href="/p/dependants"]').count(), 0);
    await page.click('a[href="/p/self"]');
    await fillPerson(page, { name: '佐藤 次郎', kana: 'サトウ ジロウ', birth: '1980-03-03', number: '202020202027' });
    // A payee's 支払調書 carries the address: it is asked of payees.
    await page.fill('#address', '東京都港区芝公園4-2-8');
    await Promise.all([page.waitForURL(/documents/), page.click('form.stack button[type=submit]')]);
    await uploadPhoto(page, 'my_number_card_front');
    await page.click('a[href="/p/review"].secondary');
    await Promise.all([page.waitForURL(/\/p\/status$/), page.click('form[action="/p/submit"] button')]);
    await check(page, '20-payee-status');

    // The same link again: after signing in, only the status.
    await page.goto(link);
    await Promise.all([page.waitForURL(/\/p\/status$/), page.click('button[value=start]')]);
    assert.match(await page.textContent('#state'), /提出済み/);
    assert.equal(await page.locator('form[action="/p/submit"], a[href="/p/self"]').count(), 0);
    await page.goto(`${new URL(link).origin}/p/self`);
    await page.fill('#name', '佐藤 次郎');
    await page.fill('#name_kana', 'サトウ');
    await page.fill('#birth_date', '1980-03-03');
    await page.click('form.stack button[type=submit]');
    assert.match(await page.textContent('body'), /変更できません/);
    await page.context().close();
  });

  test('a provider declines with a reason', async () => {
    const page = await phone();
    await page.goto(kakunin.invite('employee', '鈴木 三郎'));
    await Promise.all([page.waitForURL(/\/p\/decline$/), page.click('button[value=decline]')]);
    await page.click('form[action="/p/decline"] button');
    await page.waitForSelector('.notice.error');
    await check(page, '30-decline-refused');
    await page.fill('#reason', '<script>alert(1)</script> 提出を控えたいため');
    await Promise.all([page.waitForURL(/\/p\/status$/), page.click('form[action="/p/decline"] button')]);
    assert.match(await page.textContent('#state'), /提供しない/);
    await check(page, '31-declined');
    await page.context().close();
  });

  test('a correction round trip redoes the flagged photo and keeps everything else', async () => {
    const phonePage = await phone();
    await phonePage.goto(kakunin.invite('employee', '高橋 四郎', undefined, 'TKY'));
    await Promise.all([phonePage.waitForURL(/\/p$/), phonePage.click('button[value=start]')]);
    await phonePage.click('a[href="/p/self"]');
    await fillPerson(phonePage, { name: '高橋 四郎', kana: 'タカハシ シロウ', birth: '1985-06-06', number: NUMBERS[0] });
    await Promise.all([phonePage.waitForURL(/documents/), phonePage.click('form.stack button[type=submit]')]);
    await uploadPhoto(phonePage, 'my_number_card_front');
    await uploadPhoto(phonePage, 'my_number_card_back');
    await phonePage.click('a[href="/p/dependants"].secondary');
    await phonePage.click('a[href="/p/review"].btn');
    await Promise.all([phonePage.waitForURL(/\/p\/status$/), phonePage.click('form[action="/p/submit"] button')]);

    // The officer signs in on a desktop, enrols the authenticator, takes the item.
    const password = 'correction round trip passphrase';
    kakunin.addUser('officer', 'officer.tky', password, ['TKY']);
    const desk = await desktop();
    await desk.goto(`${kakunin.base}/s/queue`);
    await desk.waitForURL(/\/s\/sign-in$/);
    await check(desk, '40-staff-sign-in');
    await enrolStaff(desk, 'officer.tky', password, '41-staff-totp');
    await desk.goto(`${kakunin.base}/s/queue`);
    assert.match(await desk.textContent('table.queue'), /高橋 四郎/);
    await check(desk, '42-staff-queue');
    await Promise.all([desk.waitForURL(/\/s\/submissions\//), desk.click('#claim-next')]);
    const itemUrl = desk.url();
    // The images load from the audited endpoint; zoom and rotate work in the page.
    await desk.waitForFunction(() => [...document.querySelectorAll('section.person:not([hidden]) figure.doc img')].every((i) => i.complete && i.naturalWidth > 0));
    await desk.click('figure.doc >> nth=0 >> button[data-act=rotate]');
    await desk.click('figure.doc >> nth=0 >> button[data-act=zoom-in]');
    assert.match(await desk.getAttribute('figure.doc >> nth=0 >> img', 'style'), /rotate\(90deg\) scale\(1\.5\)/);
    await check(desk, '43-staff-item');

    // Only the front photo is sent back, with a message (HTML in it stays text).
    await desk.click('details.decide summary');
    const frontReason = desk.locator('select[name^="reason.document."]').first();
    const frontName = await frontReason.getAttribute('name');
    await frontReason.selectOption('glare');
    await desk.fill(`input[name="${frontName.replace('reason.', 'message.')}"]`, '反射で番号が読めません <i>撮り直し</i>');
    await Promise.all([desk.waitForURL(/\/s\/queue$/), desk.click('#corrections button[type=submit]')]);
    assert.match(await desk.textContent('.notice.ok'), /訂正を依頼しました/);

    // The provider sees which photo and why, retakes only it, and hands in again.
    await phonePage.reload();
    assert.match(await phonePage.textContent('#state'), /訂正のお願い/);
    assert.match(await phonePage.textContent('.corrections'), /光の反射で一部が読み取れません/);
    assert.match(await phonePage.textContent('.corrections'), /<i>撮り直し<\/i>/);
    await check(phonePage, '44-status-correction');
    await phonePage.click('.corrections a.btn');
    await phonePage.waitForSelector('#replacing');
    await check(phonePage, '45-retake');
    assert.equal(await phonePage.locator('.docs > li').count(), 2);
    await phonePage.setInputFiles('#file', photo);
    await phonePage.waitForSelector('#preview:not([hidden])');
    const [retake] = await Promise.all([
      phonePage.waitForResponse((r) => r.url().includes('/api/v1/provider/subjects/') && r.request().method() === 'POST'),
      phonePage.click('#upload button[type=submit]'),
    ]);
    assert.equal(retake.status(), 201);
    await phonePage.waitForSelector('.notice.ok');
    assert.equal(await phonePage.locator('.docs > li').count(), 2, 'the retake replaced the photo; the back side is kept');
    assert.equal(await phonePage.locator('.docs li.flagged').count(), 0);
    await phonePage.goto(`${kakunin.base}/p/review`);
    await Promise.all([phonePage.waitForURL(/\/p\/status$/), phonePage.click('form[action="/p/submit"] button')]);
    assert.match(await phonePage.textContent('#state'), /提出済み/);
    assert.equal(await phonePage.locator('.corrections').count(), 0);

    // The officer's item shows the round as answered.
    await desk.goto(itemUrl);
    assert.match(await desk.textContent('.history'), /再提出済み/);
    assert.match(await desk.textContent('#state'), /再提出/);
    await check(desk, '46-staff-item-resubmitted');
    assert.deepEqual(phonePage.cspViolations, []);
    assert.deepEqual(desk.cspViolations, []);
    await phonePage.context().close();
    await desk.context().close();
  });

  test('an officer verifying a submission sees only the choices its evidence allows', async () => {
    // Online, with a residence record and a passport only: no My Number card to name, no
    // face to face (not in person), and the passport pre-selected with its expiry to fill.
    const phonePage = await phone();
    await phonePage.goto(kakunin.invite('employee', '渡辺 八郎', undefined, 'NGY'));
    await Promise.all([phonePage.waitForURL(/\/p$/), phonePage.click('button[value=start]')]);
    await phonePage.click('a[href="/p/self"]');
    await fillPerson(phonePage, { name: '渡辺 八郎', kana: 'ワタナベ ハチロウ', birth: '1980-08-08', number: NUMBERS[2] });
    await Promise.all([phonePage.waitForURL(/documents/), phonePage.click('form.stack button[type=submit]')]);
    const offered = await phonePage.locator('#kind option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(!offered.includes('health_insurance_card'), 'no 健康保険証 is asked for after 2025-12-01');
    assert.ok(offered.includes('qualification_certificate'));
    await uploadPhoto(phonePage, 'residence_record');
    await uploadPhoto(phonePage, 'passport');
    await phonePage.click('a[href="/p/dependants"].secondary');
    await phonePage.click('a[href="/p/review"].btn');
    await Promise.all([phonePage.waitForURL(/\/p\/status$/), phonePage.click('form[action="/p/submit"] button')]);
    await phonePage.context().close();

    const password = 'evidence choices passphrase';
    kakunin.addUser('officer', 'officer.ngy', password, ['NGY']);
    const desk = await desktop();
    await desk.goto(`${kakunin.base}/s/queue`);
    await desk.waitForURL(/\/s\/sign-in$/);
    await enrolStaff(desk, 'officer.ngy', password);
    await desk.goto(`${kakunin.base}/s/queue`);
    await Promise.all([desk.waitForURL(/\/s\/submissions\//), desk.click('#claim-next')]);
    const person = desk.locator('fieldset.decision[data-person]');
    assert.equal(await person.count(), 1);
    const values = (selector) => person.locator(selector).evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(await values('select[name^="number_check."] option'), ['residence_record']);
    assert.deepEqual(await values('select[name^="identity_check."] option'), ['photo_id']);
    assert.equal(await person.locator('select[name^="number_check."]').inputValue(), 'residence_record');
    assert.equal(await person.locator('select[name^="identity_check."]').inputValue(), 'photo_id');
    assert.deepEqual(await values('input[name^="identity_documents."]'), ['passport']);
    assert.ok(await person.locator('input[name^="identity_documents."]').isChecked(), 'pre-selected from the uploads');
    assert.equal(await person.locator('input[name^="notification_matches."]').count(), 0);
    await check(desk, '47-staff-verify-choices');
    await person.locator('input[name^="valid_until.passport."]').fill('2031-05-31');
    await Promise.all([desk.waitForURL(/\/s\/queue$/), desk.click('#verify button[value=queue]')]);
    assert.match(await desk.textContent('.notice.ok'), /本人確認を記録しました/);
    assert.deepEqual(desk.cspViolations, []);
    await desk.context().close();
  });

  test('a branch collector takes a colleague in and cannot reach another branch', async () => {
    const tky = kakunin.record('中村 六郎', 'TKY');
    const osk = kakunin.record('大阪 七子', 'OSK');
    const password = 'branch collector passphrase';
    kakunin.addUser('collector', 'collector.tky', password, ['TKY']);
    const page = await phone();
    await page.goto(`${kakunin.base}/s/sign-in`);
    // Collectors enrol TOTP at the first sign-in like every staff role (issue 18).
    await enrolStaff(page, 'collector.tky', password, '49-collector-totp');
    await Promise.all([page.waitForURL(/\/s\/people$/), page.goto(`${kakunin.base}/s`)]);
    const roster = await page.textContent('table.people-table');
    assert.match(roster, /中村 六郎/);
    assert.doesNotMatch(roster, /大阪 七子/);
    await check(page, '50-collector-people');

    // Another branch's person is a 404, typed URL or not.
    const other = await page.goto(`${kakunin.base}/s/people/${osk}`);
    assert.equal(other.status(), 404);

    await page.goto(`${kakunin.base}/s/people/${tky}`);
    // Issue 18, bug 4: the form starts from the name the record was made with, and a
    // refusal keeps everything typed (never the number).
    assert.equal(await page.inputValue('#name'), '中村 六郎');
    await page.fill('#name_kana', 'ナカムラ ロクロウ');
    await page.fill('#birth_date', '1970-01-01');
    await page.fill('#number', '1111 1111 1119');
    await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/self"] button')]);
    assert.match(await page.textContent('#f-number .field-error'), /番号/);
    assert.equal(await page.inputValue('#name'), '中村 六郎');
    assert.equal(await page.inputValue('#name_kana'), 'ナカムラ ロクロウ');
    assert.equal(await page.inputValue('#birth_date'), '1970-01-01');
    assert.equal(await page.inputValue('#number'), '');
    await page.fill('#number', '1111 1111 1118');
    await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/self"] button')]);
    await page.waitForSelector('.notice.ok');
    await page.selectOption('#kind', 'my_number_card_front');
    await page.setInputFiles('#file', photo);
    await Promise.all([page.waitForLoadState('load'), page.click('#upload button[type=submit]')]);
    assert.match(await page.textContent('.docs'), /位置情報を削除しました/);
    await check(page, '51-collector-person');
    await page.check('#seen-my_number_card_front');
    await page.check('#seen-my_number_card_back');
    await Promise.all([page.waitForURL(/\/s\/people$/), page.click('#hand-in button[type=submit]')]);
    assert.match(await page.textContent('.notice.ok'), /提出しました/);
    assert.match(await page.textContent('table.people-table'), /提出済み/);
    assert.deepEqual(page.cspViolations, []);
    await page.context().close();
  });

  test('an admin invites from a roster, prints the sheet, and the printed link opens on a phone', async () => {
    const password = 'admin inviting passphrase';
    kakunin.addUser('admin', 'admin.i', password);
    const desk = await desktop();
    await desk.goto(`${kakunin.base}/s/sign-in`);
    await enrolStaff(desk, 'admin.i', password);
    await desk.goto(`${kakunin.base}/s`);
    await Promise.all([desk.waitForURL(/\/s\/invitations$/), desk.click('a.btn[href="/s/invitations"]')]);
    await check(desk, '70-admin-invitations-empty');
    await Promise.all([desk.waitForURL(/\/s\/invitations\/new$/), desk.click('#new-invitations')]);
    await check(desk, '71-admin-invite-new');
    // A roster with one mistake: the check names it and creates nothing.
    await desk.fill('#roster', '社員番号,氏名,フリガナ,メール,所属\nB1,木村 一郎,キムラ イチロウ,not-an-address,TKY\n');
    await Promise.all([desk.waitForLoadState('load'), desk.click('#invite-roster button[type=submit]')]);
    assert.match(await desk.textContent('#roster-problems'), /直してから/);
    assert.equal(await desk.locator('tr.problem[data-code="email_invalid"]').count(), 1);
    await check(desk, '72-admin-invite-refused');
    await desk.goto(`${kakunin.base}/s/invitations/new`);
    await desk.fill('#roster', '社員番号,氏名,フリガナ,所属\nB1,木村 一郎,キムラ イチロウ,TKY\nB2,中村 二郎,ナカムラ ジロウ,OSK\n');
    await Promise.all([desk.waitForLoadState('load'), desk.click('#invite-roster button[type=submit]')]);
    assert.equal(await desk.textContent('#count-sheet'), '2');
    await check(desk, '73-admin-invite-check');
    await Promise.all([desk.waitForLoadState('load'), desk.click('#invite-create button[type=submit]')]);
    assert.equal(await desk.locator('.invite-card').count(), 2);
    assert.ok(await desk.isVisible('button[data-print]'), 'the script shows the print button');
    await check(desk, '74-admin-invite-sheet');
    await desk.emulateMedia({ media: 'print' });
    await desk.screenshot({ path: join(artifacts, '75-admin-invite-sheet-print.png'), fullPage: true });
    await desk.emulateMedia({ media: 'screen' });
    const link = (await desk.locator('.invite-card .invite-url code').first().textContent()).trim();
    assert.match(link, /\/i\/[A-Za-z0-9_-]{43,}$/);
    // The printed link opens on a phone, and the roster's name and furigana are filled in.
    // (The sheet prints `public_url`; this test server listens elsewhere.)
    const p = await phone();
    await p.goto(`${kakunin.base}/i/${link.split('/i/')[1]}`);
    assert.match(await p.textContent('main'), /木村 一郎/);
    await Promise.all([p.waitForURL(/\/p$/), p.click('button[value=start]')]);
    await p.goto(`${kakunin.base}/p/self`);
    assert.equal(await p.inputValue('#name'), '木村 一郎');
    assert.equal(await p.inputValue('#name_kana'), 'キムラ イチロウ');
    await p.context().close();
    // Revoke the other one from the list.
    await desk.goto(`${kakunin.base}/s/invitations`);
    await check(desk, '76-admin-invitations-list');
    await Promise.all([desk.waitForLoadState('load'), desk.locator('form[action$="/revoke"] button').first().click()]);
    assert.match(await desk.textContent('.notice.ok'), /取り消しました/);
    assert.deepEqual(desk.cspViolations, []);
    await desk.context().close();
  });

  test('an auditor reads the trail, the ledgers and the alerts', async () => {
    const password = 'auditor reading passphrase';
    kakunin.addUser('auditor', 'auditor.a', password);
    const desk = await desktop();
    await desk.goto(`${kakunin.base}/s/sign-in`);
    await enrolStaff(desk, 'auditor.a', password);
    await desk.goto(`${kakunin.base}/s`);
    await Promise.all([desk.waitForURL(/\/s\/audit/), desk.click('a.btn[href="/s/audit"]')]);
    await desk.selectOption('#family', 'sign_in');
    await Promise.all([desk.waitForURL(/family=sign_in/), desk.click('form.filters button')]);
    assert.match(await desk.textContent('table.audit'), /staff\./);
    await check(desk, '60-auditor-trail');
    await desk.goto(`${kakunin.base}/s/ledgers/files`);
    await check(desk, '61-auditor-ledger-files');
    await desk.click('a[href="/s/ledgers/exports"]');
    await check(desk, '62-auditor-ledger-exports');
    await desk.goto(`${kakunin.base}/s/alerts`);
    assert.match(await desk.textContent('table.sign-ins'), /auditor\.a/);
    await check(desk, '63-auditor-alerts');
    assert.deepEqual(desk.cspViolations, []);
    await desk.context().close();
  });
});
