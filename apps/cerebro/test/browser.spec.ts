/**
 * Debian Chromium (playwright-core) through the real pages, by label and keyboard like a person:
 * request access → a manager approves → sign-in by the welcome link; sign-in by e-mail link;
 * group creation and invitation; My Credentials. Screenshots go to CEREBRO_SCREENSHOTS when set.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '@cw/testing/browser';
import type { PluginManifest } from '@cw/mcp-gate';
import { MANAGER, startCerebro, type CerebroHarness } from './support/cerebro.harness.js';

const SHOTS = process.env.CEREBRO_SCREENSHOTS;
const PAYMENTS: PluginManifest = {
  id: 'payments',
  version: '1.0.0',
  title: 'Payments',
  description: 'Charge cards',
  credentials: [{ name: 'api_key', description: 'Secret key of the payment provider' }],
  outboundHosts: [],
  tools: [],
};

describe.skipIf(!chromiumAvailable())('cerebro in Chromium', () => {
  let h: CerebroHarness;
  let browser: Browser;
  beforeAll(async () => {
    h = await startCerebro(
      {
        engines: [
          {
            name: 'main',
            mcpUrl: 'http://engine-main.tenant-acme.svc:5001/mcp',
            dashboardUrl: 'http://engine-main.tenant-acme.svc:5000',
            plugins: ['payments'],
          },
        ],
      },
      { pluginManifests: { payments: PAYMENTS } },
    );
    browser = await launchChromium();
    if (SHOTS) await mkdir(SHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  const shot = async (page: Page, name: string) => {
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };

  async function signInByLink(context: BrowserContext, email: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${h.url}/sign-in`);
    await page.getByLabel('E-mail address').fill(email);
    await page.keyboard.press('Enter'); // the form submits from the keyboard
    await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
    await page.goto(await h.lastLink(email));
    await shot(page, `confirm-${email.split('@')[0]}`);
    await page.getByRole('button', { name: 'Sign me in' }).click();
    await page.getByRole('heading', { name: /^Welcome/ }).waitFor();
    return page;
  }

  it('request access → manager approves → the welcome link signs the person in', async () => {
    const visitor = await browser.newContext({ viewport: { width: 390, height: 844 } }); // a phone
    const page = await visitor.newPage();
    await page.goto(`${h.url}/sign-in`);
    await shot(page, 'sign-in-phone');
    await page.getByRole('link', { name: 'Request access' }).click();
    await page.getByLabel('Your name').fill('Nina Newcomer');
    await page.getByLabel('E-mail address').fill('nina@example.test');
    await page.getByLabel(/Company/).fill('Nina GmbH');
    await shot(page, 'request-access-phone');
    await page.getByRole('button', { name: 'Request access' }).click();
    await page.getByRole('heading', { name: 'Request received' }).waitFor();

    const managerContext = await browser.newContext();
    const boss = await signInByLink(managerContext, MANAGER);
    await shot(boss, 'home-manager');
    await boss.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await boss.getByRole('link', { name: 'Access requests' }).click();
    await shot(boss, 'admin-access-requests');
    await boss.getByRole('button', { name: 'Approve Nina Newcomer' }).click();
    await boss.getByText('No requests are waiting.').waitFor();

    await page.goto(await h.lastLink('nina@example.test', 'cerebro-welcome'));
    await page.getByRole('button', { name: 'Sign me in' }).click();
    await expect(page.getByRole('heading', { name: 'Welcome, Nina Newcomer' }).isVisible()).resolves.toBe(
      true,
    );
    await shot(page, 'home-phone');
    for (const path of ['/admin/users', '/admin/engines', '/admin/audit', '/admin/groups']) {
      await boss.goto(`${h.url}${path}`);
      await shot(boss, `admin${path.replaceAll('/', '-')}`);
    }
    await visitor.close();
    await managerContext.close();
  }, 120_000);

  it('creates a group and invites a colleague, who lands in it at sign-in', async () => {
    await h.signedIn('olga@acme.test', 'developer', 'Olga'); // an active account
    const ctx = await browser.newContext();
    await h.signedIn('dave@acme.test', 'developer', 'Dave');
    const dev = await signInByLink(ctx, 'dave@acme.test');
    await dev.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Groups' }).click();
    await dev.getByLabel('Name').fill('Data team');
    await dev.getByRole('button', { name: 'Create group' }).click();
    await dev.getByRole('heading', { name: 'Data team' }).waitFor();
    await dev.getByLabel('E-mail address').fill('olga@acme.test');
    await dev.getByRole('button', { name: 'Send invitation' }).click();
    await shot(dev, 'group-page');
    const mail = (await h.mails({ to: 'olga@acme.test', tag: 'cerebro-group-invitation' }))[0];
    expect(mail?.subject).toContain('Data team');

    const olgaCtx = await browser.newContext();
    const olga = await signInByLink(olgaCtx, 'olga@acme.test');
    await olga.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Groups' }).click();
    await expect(olga.getByRole('link', { name: 'Data team' }).isVisible()).resolves.toBe(true);
    await shot(olga, 'groups-list');
    await ctx.close();
    await olgaCtx.close();
  }, 120_000);

  it('My Credentials: saves a value that is never shown again', async () => {
    await h.signedIn('cara@acme.test', 'developer', 'Cara');
    const ctx = await browser.newContext();
    const page = await signInByLink(ctx, 'cara@acme.test');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'My Credentials' })
      .click();
    await page.getByLabel('Value for api_key (yours)').fill('sk_live_browser_0123456789');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/Set by you on/).waitFor();
    await shot(page, 'my-credentials');
    expect(await page.content()).not.toContain('sk_live_browser_0123456789');
    await ctx.close();
  }, 120_000);
});
