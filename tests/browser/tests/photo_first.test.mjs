// Photo first (issue 19) on a 360×740 phone: on the own-details page the employee
// photographs the back of their My Number card; the number read from its QR code fills
// the number field for them to check against the card; saving keeps the photo as their
// card-back document, whose QR matches the number saved. No JavaScript is needed for it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKakunin, workspace } from './server.mjs';
import { artifacts, check, launchBrowser, phone } from './lib.mjs';

const cardBack = join(workspace, 'tests/fixtures/images/card/card-back-qr.jpg');

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

/** axe and the other checks need scripts in the page; without them, the screenshot only. */
async function look(page, name, javaScript) {
  if (javaScript) {
    await check(page, name);
  } else {
    await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  }
}

describe('photo first on a phone', () => {
  for (const javaScript of [true, false]) {
    test(`the number is read from the card's back, confirmed and saved (JavaScript ${javaScript ? 'on' : 'off'})`, async () => {
      const page = await phone(browser, { javaScriptEnabled: javaScript });
      await page.goto(kakunin.invite('employee', '佐藤 花子', '1992-02-02'));
      await page.fill('#birth_date', '1992-02-02');
      await Promise.all([page.waitForURL(/\/p$/), page.click('button[value=start]')]);
      await page.click('a[href="/p/self"]');
      await page.fill('#name_kana', 'サトウ ハナコ');
      await page.fill('#birth_date', '1992-02-02');
      await page.fill('#address', '大阪府大阪市北区梅田一丁目1番1号');

      // The photo goes with the form: what was typed stays, the number is filled.
      await page.setInputFiles('#file', cardBack);
      await Promise.all([page.waitForLoadState('load'), page.click('#read-card')]);
      await page.waitForSelector('#card-read-pending');
      assert.equal(await page.inputValue('#number'), '1234 5678 9018');
      assert.equal(await page.inputValue('#name_kana'), 'サトウ ハナコ');
      assert.equal(await page.inputValue('#address'), '大阪府大阪市北区梅田一丁目1番1号');
      assert.equal(await page.inputValue('#birth_date'), '1992-02-02');
      assert.match(await page.textContent('.notice'), /カードの番号と同じか確かめて/);
      if (javaScript) { assert.match(await page.textContent('#number-live'), /正しい/, 'the read number is checked at once'); }
      await look(page, `p1-photo-first-read-js-${javaScript ? 'on' : 'off'}`, javaScript);

      // Saved as shown: the photo is the card-back document and its QR matches.
      await Promise.all([page.waitForURL(/documents/), page.click('form.stack > button[type=submit]')]);
      assert.match(await page.textContent('.notice'), /カード裏面の写真も登録しました/);
      await page.waitForSelector('.qr-check[data-qr="matches"]');
      assert.equal(await page.locator('.docs > li').count(), 1);
      assert.ok(!(await page.content()).includes('1234 5678 9018'), 'the number is not shown again');
      await look(page, `p2-photo-first-saved-js-${javaScript ? 'on' : 'off'}`, javaScript);
      await page.context().close();
    });
  }
});
