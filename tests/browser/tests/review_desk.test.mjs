// The officer's review desk on a 1366×768 desktop (issue 18): one person at a time with
// their documents large beside what was typed, tabs naming everyone, keyboard shortcuts,
// images loaded when their person is shown, suggestions marked as suggestions, and
// 「記録して次の提出へ」 opening the next waiting item. The test counts the officer's actions
// to verify an employee with two dependants and prints the figure README records.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  check, desktop, enrolStaff, fillPerson, phone as phoneIn, serveAndBrowse, uploadPhoto,
} from './lib.mjs';

const env = serveAndBrowse();

/** An employee hands in from their phone: own card (front and back), and dependants. */
async function handIn(name, kana, birth, number, dependants = []) {
  const page = await phoneIn(env.browser);
  await page.goto(env.kakunin.invite('employee', name, birth, 'TKY'));
  await page.fill('#birth_date', birth);
  await Promise.all([page.waitForURL(/\/p$/), page.click('button[value=start]')]);
  await page.click('a[href="/p/self"]');
  await fillPerson(page, { name, kana, birth, number });
  await Promise.all([page.waitForURL(/documents/), page.click('form.stack button[type=submit]')]);
  await uploadPhoto(page, 'my_number_card_front');
  await uploadPhoto(page, 'my_number_card_back');
  for (const d of dependants) {
    await page.click('a[href="/p/dependants"].secondary');
    await page.click('a[href="/p/dependants/new"]');
    await fillPerson(page, d);
    await page.check('input[name=identity_attested]');
    if (d.category3) {
      await page.check('input[name=category3_spouse]');
      await Promise.all([page.waitForURL(/documents/), page.click('form.stack button[type=submit]')]);
      await uploadPhoto(page, 'my_number_card_front');
      await uploadPhoto(page, 'my_number_card_back');
    } else {
      await Promise.all([page.waitForURL(/\/p\/dependants$/), page.click('form.stack button[type=submit]')]);
    }
  }
  await page.goto(`${env.kakunin.base}/p/review`);
  await Promise.all([page.waitForURL(/\/p\/status$/), page.click('form[action="/p/submit"] button')]);
  await page.context().close();
}

describe('the review desk', () => {
  test('an officer verifies an employee with two dependants one person at a time, then the next', async () => {
    await handIn('山田 太郎', 'ヤマダ タロウ', '1990-04-01', '123456789018', [
      { relationship: 'spouse', name: '山田 花子', kana: 'ヤマダ ハナコ', birth: '1992-02-02', number: '987654321093', category3: true },
      { relationship: 'child', name: '山田 一郎', kana: 'ヤマダ イチロウ', birth: '2018-05-05', number: '111111111118' },
    ]);
    await handIn('鈴木 次郎', 'スズキ ジロウ', '1985-03-03', '202020202027');

    const password = 'review desk officer passphrase';
    env.kakunin.addUser('officer', 'officer.desk', password, ['TKY']);
    const desk = await desktop(env.browser, { width: 1366, height: 768 });
    await desk.goto(`${env.kakunin.base}/s/queue`);
    await desk.waitForURL(/\/s\/sign-in$/);
    await enrolStaff(desk, 'officer.desk', password);
    await desk.goto(`${env.kakunin.base}/s/queue`);
    const images = [];
    desk.on('request', (r) => { if (r.url().includes('/api/v1/officer/documents/')) { images.push(r.url()); } });

    // The officer's actions from the queue to the next item: every click, key and field.
    const actions = [];
    const act = async (what, step) => { actions.push(what); await step(); };

    await act('claim the next item', () => Promise.all([desk.waitForURL(/\/s\/submissions\//), desk.click('#claim-next')]));
    const tabs = desk.locator('.people-tabs a[data-person]');
    assert.equal(await tabs.count(), 3);
    assert.match(await tabs.nth(0).textContent(), /1\/3 山田 太郎/);
    assert.equal(await desk.locator('section.person:not([hidden])').count(), 1, 'one person at a time');
    assert.match(await desk.textContent('section.person:not([hidden]) h2'), /山田 太郎/);
    assert.match(await desk.textContent('.keys'), /N 次の人/);
    // The branch by its name, never a raw code alone; suggestions say they are suggestions.
    assert.match(await desk.textContent('.inline-facts'), /TKY/);
    assert.match(await desk.textContent('section.person:not([hidden]) .suggested'), /提案/);
    // The documents are large beside the typed data: whole, at the largest size that fits
    // (half the screen wide, or most of its height for a portrait photo).
    await desk.waitForFunction(() => [...document.querySelectorAll('section.person:not([hidden]) figure.doc img')].every((i) => i.complete && i.naturalWidth > 0));
    const box = await desk.locator('section.person:not([hidden]) figure.doc img').first().boundingBox();
    assert.ok(box.width >= 683 || box.height >= 0.7 * 768, `the document shows ${box.width}×${box.height}px`);
    const typed = await desk.locator('section.person:not([hidden]) .typed').boundingBox();
    assert.ok(typed.x + typed.width <= box.x, 'the typed data is beside the document, not above it');
    // Images of the people not shown are not fetched yet.
    const firstPersonImages = new Set(images).size;
    assert.ok(firstPersonImages <= 2, `${firstPersonImages} images fetched for the first person`);
    await check(desk, 'r-01-desk-employee');

    // Keys: ] moves to the next document, R rotates it, + zooms it.
    await desk.locator('section.person:not([hidden]) h2').focus();
    await desk.keyboard.press(']');
    await desk.keyboard.press(']');
    await desk.keyboard.press('r');
    await desk.keyboard.press('+');
    const back = desk.locator('section.person:not([hidden]) figure.doc').nth(1);
    assert.match(await back.locator('img').getAttribute('style'), /rotate\(90deg\) scale\(1\.5\)/);
    await desk.keyboard.press('r');
    await desk.keyboard.press('r');
    await desk.keyboard.press('r');
    await desk.keyboard.press('-');

    // The employee: the card's expiry date (the rule table asks for it), then the spouse.
    await act('type the card\'s expiry date', () => desk.locator('section.person:not([hidden]) input[name^="valid_until.my_number_card_front."]').fill('2031-05-31'));
    await act('next person', () => desk.click('section.person:not([hidden]) button[data-go=next]'));
    assert.match(await desk.textContent('section.person:not([hidden]) h2'), /山田 花子/);
    assert.equal(await tabs.nth(1).getAttribute('aria-current'), 'true');
    await desk.waitForFunction(() => [...document.querySelectorAll('section.person:not([hidden]) figure.doc img')].every((i) => i.complete && i.naturalWidth > 0));
    assert.ok(new Set(images).size > firstPersonImages, 'the spouse\'s card loads when she is shown');
    await check(desk, 'r-02-desk-spouse');
    await act('type the card\'s expiry date', () => desk.locator('section.person:not([hidden]) input[name^="valid_until.my_number_card_front."]').fill('2031-05-31'));
    // The child by keyboard (N), from outside the fields.
    await desk.locator('section.person:not([hidden]) h2').focus();
    await act('N: next person', () => desk.keyboard.press('n'));
    assert.match(await desk.textContent('section.person:not([hidden]) h2'), /山田 一郎/);
    assert.match(await desk.textContent('section.person:not([hidden]) .decision'), /従業員による確認/);
    await check(desk, 'r-03-desk-child');

    // Ctrl+Enter: recorded, and the next waiting submission opens at once.
    const first = new URL(desk.url()).pathname;
    await act('Ctrl+Enter: record and open the next', () => Promise.all([
      desk.waitForNavigation(),
      desk.keyboard.press('Control+Enter'),
    ]));
    assert.equal(await desk.locator('.notice.error').count(), 0, await desk.locator('main').textContent());
    assert.notEqual(new URL(desk.url()).pathname, first, 'the next submission');
    assert.match(await desk.textContent('.notice.ok'), /本人確認を記録しました。次の提出を開きました/);
    assert.match(await desk.textContent('section.person:not([hidden]) h2'), /鈴木 次郎/);
    console.log(`[measure] review desk: ${actions.length} actions to verify an employee with two dependants (${actions.join('; ')})`);
    assert.ok(actions.length <= 6, `${actions.length} actions`);

    // A refusal keeps the desk: no expiry date typed → the item again with why.
    await Promise.all([desk.waitForLoadState('load'), desk.click('#verify-next')]);
    assert.match(await desk.textContent('.notice.error'), /有効期限|expiry/);
    await desk.locator('section.person:not([hidden]) input[name^="valid_until.my_number_card_front."]').fill('2031-05-31');
    await Promise.all([desk.waitForURL(/\/s\/queue$/), desk.click('#verify-next')]);
    assert.match(await desk.textContent('.notice.ok'), /確認待ちの提出はもうありません/);
    await check(desk, 'r-04-desk-nothing-left');
    assert.deepEqual(desk.cspViolations, []);
    await desk.context().close();
  });
});
