// The Connector Marketplace's engine switches in a real browser (Debian Chromium via
// playwright-core), as a phone (390 px) and a desktop (1280 px) show them: the tenant admin ticks
// "Read-only" on an engine, sees the preview say so, applies it, and the desired spec changes.
// Screenshots go to /tmp/cp-engine-switches-<width>-<step>.png for a person to look at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '@cw/testing/browser';
import { SESSION_COOKIE, encodeSession, magicLinkSession } from '@cw/control-plane';
import { startAdminHarness, type AdminHarness } from '../admin/support/admin-harness.js';

let browser: Browser;
let h: AdminHarness;
beforeAll(async () => {
  if (!chromiumAvailable()) return;
  browser = await launchChromium();
  h = await startAdminHarness('engine-switches-browser');
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe.skipIf(!chromiumAvailable())('engine switches on the plugins page', () => {
  for (const width of [390, 1280]) {
    it(`turns an engine read-only at ${width} px: preview, then apply`, async () => {
      const t = await h.seedTenant({ spec: { engines: [{ name: 'main', plugins: ['email'] }] } });
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      await context.addCookies([
        {
          name: SESSION_COOKIE,
          value: encodeSession(h.ctx.keys, magicLinkSession(t.adminEmail!, [t.id]), 3_600_000),
          url: h.url,
        },
      ]);
      const page = await context.newPage();
      await page.goto(`${h.url}/status/plugins`);
      const form = page.locator('form.engine-plugins[data-engine="main"]');
      const readOnly = form.getByLabel(/Read-only/);
      expect(await readOnly.isChecked()).toBe(false);
      // Nothing wider than the screen: a phone does not scroll sideways.
      // Evaluated in the page (a string: this file is typechecked without the DOM library).
      const wider = await page.evaluate<string[]>(
        `[...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > ${width} + 0.5)
          .map((el) => el.tagName.toLowerCase() + '.' + el.className + ': ' + (el.textContent ?? '').trim().slice(0, 40))
          .slice(0, 5)`,
      );
      expect(wider).toEqual([]);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `/tmp/cp-engine-switches-${width}-page.png`, fullPage: true });

      await readOnly.check();
      await form.getByRole('button', { name: 'Preview' }).click();
      await page.waitForSelector('h1:has-text("Preview of the change")');
      expect(await page.locator('[data-switch="readOnly"]').innerText()).toBe('read-only on');
      expect((await h.ctx.db.tenants.findById(t.id))!.spec.engines[0]!.readOnly).toBe(false);
      await page.screenshot({ path: `/tmp/cp-engine-switches-${width}-preview.png`, fullPage: true });

      await page.getByRole('button', { name: 'Apply' }).click();
      await page.waitForSelector('h1:has-text("Engines changed")');
      expect((await h.ctx.db.tenants.findById(t.id))!.spec.engines[0]).toMatchObject({
        readOnly: true,
        maintenance: false,
        plugins: ['email'],
      });
      await page.goto(`${h.url}/status/plugins`);
      expect(
        await page
          .locator('form.engine-plugins[data-engine="main"]')
          .getByLabel(/Read-only/)
          .isChecked(),
      ).toBe(true);
      await page.screenshot({ path: `/tmp/cp-engine-switches-${width}-applied.png`, fullPage: true });
      await context.close();
    }, 60_000);
  }
});
