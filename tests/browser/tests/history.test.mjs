// The record over the years (issue 17) on a 360×740 phone: an employee whose record an
// officer verified adds a newborn with a photo of the number document — the status page,
// the form, and the status page again — and the officer's queue then holds the newborn
// alone; the officer then takes a new address in on the employee's behalf from the
// record's history on the staff pages. Screenshots are named h-….
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKakunin } from './server.mjs';
import {
  NUMBERS, check, desktop as desktopIn, enrolStaff, fillPerson, handInAsEmployee, launchBrowser,
  phone as phoneIn, photo, verifyNext,
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

describe('changes after verification on a phone', () => {
  test('an employee adds a newborn with a photo after verification, in three page loads', async () => {
    const page = await phoneIn(browser);
    await handInAsEmployee(page, kakunin.invite('employee', '山田 太郎', undefined, 'TKY'),
      { name: '山田 太郎', kana: 'ヤマダ タロウ', birth: '1990-04-01', number: NUMBERS[0] });

    // An officer verifies the record on the staff pages.
    const password = 'history officer passphrase';
    kakunin.addUser('officer', 'officer.tky', password, ['TKY']);
    const desk = await desktopIn(browser);
    await desk.goto(`${kakunin.base}/s/queue`);
    await desk.waitForURL(/\/s\/sign-in$/);
    await enrolStaff(desk, 'officer.tky', password);
    await verifyNext(desk);

    // Load 1: the status page of the verified record offers to report a change.
    let loads = 0;
    page.on('load', () => { loads += 1; });
    await page.goto(`${kakunin.base}/p/status`);
    assert.match(await page.textContent('h2#report-change'), /変更を届け出る/);
    await check(page, 'h-01-status-verified');
    // Load 2: the newborn's form, with the photo of the number document in it.
    await Promise.all([page.waitForURL(/\/p\/changes\/dependant$/), page.click('#change-newborn')]);
    await fillPerson(page, { relationship: 'child', name: '山田 一郎', kana: 'ヤマダ イチロウ', birth: '2026-11-20', number: NUMBERS[3] });
    await page.fill('#effective_on', '2026-11-20');
    await page.check('input[name=identity_attested]');
    await page.selectOption('#kind', 'residence_record');
    await page.setInputFiles('#file', photo);
    await check(page, 'h-02-newborn-form');
    // Load 3: sent, recorded, handed in; back on the status page with the confirmation.
    await Promise.all([page.waitForURL(/\/p\/status$/), page.click('#change-dependant button[type=submit]')]);
    assert.match(await page.textContent('.notice.ok'), /変更を届け出ました/);
    await check(page, 'h-03-change-sent');
    assert.ok(loads <= 3, `at most 3 page loads, got ${loads}`);
    assert.deepEqual(page.cspViolations, []);

    // The officer's queue holds the newborn alone.
    await desk.goto(`${kakunin.base}/s/queue`);
    await Promise.all([desk.waitForURL(/\/s\/submissions\//), desk.click('#claim-next')]);
    assert.equal(await desk.locator('fieldset.decision[data-person]').count(), 1);
    assert.match(await desk.textContent('body'), /山田 一郎/);
    await check(desk, 'h-04-officer-newborn-alone');
    // The newborn's 住民票 with the employee's attestation: the suggested pair is one the
    // rules accept, so recording needs nothing typed.
    await Promise.all([desk.waitForURL(/\/s\/queue$/), desk.click('#verify button[value=queue]')]);

    // On the person's behalf: the officer takes a new address in at the desk, with the
    // card's photo, from the record's page on the staff side.
    await desk.goto(`${kakunin.base}/s/people`);
    await Promise.all([desk.waitForURL(/\/s\/people\/[0-9a-f-]+$/), desk.click('a[href^="/s/people/"]:has-text("山田 太郎")')]);
    await Promise.all([desk.waitForURL(/\/changes$/), desk.click('#changes-link')]);
    const history = await desk.textContent('main');
    assert.match(history, /山田 一郎/);
    assert.match(history, /扶養家族の追加/);
    assert.match(history, /当初の収集/);
    await check(desk, 'h-05-staff-record-history');
    await Promise.all([desk.waitForURL(/\/changes\/other$/), desk.click('#other-change')]);
    await desk.selectOption('#change_kind', 'address');
    await desk.fill('#effective_on', '2026-12-01');
    await desk.fill('#address', '東京都千代田区丸の内1-1-1');
    await desk.selectOption('#kind', 'my_number_card_front');
    await desk.setInputFiles('#file', photo);
    await desk.check('#seen-my_number_card_front');
    await check(desk, 'h-06-staff-change-form');
    await Promise.all([desk.waitForURL(/\/changes$/), desk.click('#change-other button[type=submit]')]);
    assert.match(await desk.textContent('.notice.ok'), /変更を受け付けました/);
    assert.match(await desk.textContent('main'), /住所の変更/);
    await check(desk, 'h-07-staff-change-recorded');
    // The change waits in the queue, holding the employee alone.
    await desk.goto(`${kakunin.base}/s/queue`);
    await Promise.all([desk.waitForURL(/\/s\/submissions\//), desk.click('#claim-next')]);
    assert.equal(await desk.locator('fieldset.decision[data-person]').count(), 1);
    await desk.context().close();
    await page.context().close();
  });
});
