// The annual re-confirmation (年末調整, issue 17 part B): an admin opens the year's campaign
// on the staff pages and prints the sheet of links; the employee opens their link on a
// 360×740 phone and reports a newborn with a photo of the number document — after the
// link's own page, the status page with the campaign, the newborn's form, and the status
// page again (at most three page loads); the admin's progress then counts one change.
// Screenshots are named c-….
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NUMBERS, check, desktop as desktopIn, enrolStaff, fillPerson, handInAsEmployee,
  phone as phoneIn, photo, serveAndBrowse, verifyNext,
} from './lib.mjs';

const env = serveAndBrowse();

describe('the year-end re-confirmation', () => {
  test('an employee reports a newborn through the campaign link in three page loads', async () => {
    const page = await phoneIn(env.browser);
    await handInAsEmployee(page, env.kakunin.invite('employee', '佐藤 花子', undefined, 'TKY'),
      { name: '佐藤 花子', kana: 'サトウ ハナコ', birth: '1988-02-03', number: NUMBERS[0] });
    const password = 'campaign officer passphrase';
    env.kakunin.addUser('officer', 'officer.tky', password, ['TKY']);
    const desk = await desktopIn(env.browser);
    await desk.goto(`${env.kakunin.base}/s/queue`);
    await desk.waitForURL(/\/s\/sign-in$/);
    await enrolStaff(desk, 'officer.tky', password);
    await verifyNext(desk);
    await desk.context().close();

    // The admin opens the year's campaign and gets the sheet of links to print.
    env.kakunin.addUser('admin', 'hr.admin', 'campaign admin passphrase');
    const admin = await desktopIn(env.browser);
    await admin.goto(`${env.kakunin.base}/s/campaigns`);
    await admin.waitForURL(/\/s\/sign-in$/);
    await enrolStaff(admin, 'hr.admin', 'campaign admin passphrase');
    await admin.goto(`${env.kakunin.base}/s/campaigns`);
    await check(admin, 'c-01-campaigns');
    await admin.fill('#year', '2026');
    await Promise.all([admin.waitForLoadState('load'), admin.click('#open-campaign button[type=submit]')]);
    assert.match(await admin.textContent('.invite-card'), /佐藤 花子/);
    await check(admin, 'c-02-campaign-sheet');
    const link = (await admin.textContent('.invite-card .invite-url code')).trim();
    assert.match(link, /\/i\//);

    // The employee opens the link (its own page), then counts the page loads.
    await page.context().clearCookies();
    await page.goto(link);
    let loads = 0;
    page.on('load', () => { loads += 1; });
    // Load 1: the status page, with the year's campaign on top.
    await Promise.all([page.waitForURL(/\/p\/status$/), page.click('button[value=start]')]);
    assert.match(await page.textContent('h2#campaign'), /2026年 年末調整の確認/);
    assert.ok(await page.isVisible('#no-change button'));
    await check(page, 'c-03-campaign-status');
    // Load 2: the newborn's form with the photo of the number document.
    await Promise.all([page.waitForURL(/\/p\/changes\/dependant$/), page.click('#change-newborn')]);
    await fillPerson(page, { relationship: 'child', name: '佐藤 一郎', kana: 'サトウ イチロウ', birth: '2026-11-20', number: NUMBERS[3] });
    await page.fill('#effective_on', '2026-11-20');
    await page.check('input[name=identity_attested]');
    await page.selectOption('#kind', 'residence_record');
    await page.setInputFiles('#file', photo);
    // Load 3: sent and handed in, which answers the campaign.
    await Promise.all([page.waitForURL(/\/p\/status$/), page.click('#change-dependant button[type=submit]')]);
    assert.match(await page.textContent('#campaign-answer'), /変更を届け出て回答しました/);
    await check(page, 'c-04-campaign-answered');
    assert.ok(loads <= 3, `at most 3 page loads after opening the link, got ${loads}`);
    assert.deepEqual(page.cspViolations, []);

    // The admin's campaign page counts one change in TKY.
    await admin.goto(`${env.kakunin.base}/s/campaigns`);
    await Promise.all([admin.waitForURL(/\/s\/campaigns\/[0-9a-f-]+$/), admin.click('#campaigns a')]);
    const tky = admin.locator('#progress tbody tr', { hasText: 'TKY' });
    assert.deepEqual(await tky.locator('td').allTextContents(), ['0', '1', '0', '1']);
    await check(admin, 'c-05-campaign-progress');
    await admin.context().close();
    await page.context().close();
  });
});
