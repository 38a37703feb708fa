/**
 * "Connected applications" in Debian Chromium at phone and desktop width: the person's list (no
 * horizontal scroll of the page, Revoke reached by keyboard and working) and the managers' view.
 * Screenshots go to /tmp/cerebro-connections-*.png.
 */
import { createHash, randomBytes } from 'node:crypto';
import { launchChromium } from '@cw/testing/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGER, startCerebro, type CerebroHarness, type TestClient } from '../support/cerebro.harness.js';

const REDIRECT = 'http://127.0.0.1:1/callback';
const MCP_URL = 'http://127.0.0.1:9/mcp';

describe('connected applications in the browser', () => {
  let h: CerebroHarness;
  let browser: Browser;
  beforeAll(async () => {
    h = await startCerebro({
      engines: [{ name: 'main', mcpUrl: MCP_URL, dashboardUrl: 'http://127.0.0.1:9', plugins: ['payments'] }],
    });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  async function connect(person: TestClient, name: string): Promise<void> {
    const reg = await fetch(`${h.url}/oauth/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: name,
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
      }),
    });
    const { client_id } = (await reg.json()) as { client_id: string };
    const verifier = randomBytes(32).toString('base64url');
    const asked = await person.get(
      `/oauth/auth?${new URLSearchParams({
        client_id,
        response_type: 'code',
        redirect_uri: REDIRECT,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        resource: MCP_URL,
      })}`,
    );
    await person.get(asked.location!);
    const decided = await person.post(asked.location!, { decision: 'allow' });
    const code = new URL((await person.get(decided.location!)).location!).searchParams.get('code')!;
    const token = await fetch(`${h.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        client_id,
        code_verifier: verifier,
        resource: MCP_URL,
      }),
    });
    expect(token.status).toBe(200);
  }

  for (const [label, viewport] of [
    ['phone', { width: 390, height: 844 }],
    ['desktop', { width: 1280, height: 800 }],
  ] as const)
    it(`the person's list and Revoke by keyboard (${label})`, async () => {
      const ann = await h.signedIn(`ann-${label}@acme.test`, 'developer', 'Ann');
      await connect(ann, 'Visual Studio Code');
      await connect(ann, 'MCP Inspector');
      const context = await browser.newContext({ viewport });
      await context.addCookies([{ name: 'cw_session', value: ann.cookies.get('cw_session')!, url: h.url }]);
      const page = await context.newPage();
      await page.goto(`${h.url}/connections`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Connected applications');
      expect(await page.locator('tbody tr').count()).toBe(2);
      expect(
        await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth + 1'),
      ).toBe(true);
      await page.screenshot({ path: `/tmp/cerebro-connections-${label}.png`, fullPage: true });
      const focused = () => page.evaluate<string | undefined>('document.activeElement?.textContent?.trim()');
      for (let i = 0; i < 30 && (await focused()) !== 'Revoke'; i++) await page.keyboard.press('Tab');
      expect(await focused()).toBe('Revoke');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('tbody tr').count(), { timeout: 10_000 }).toBe(1);
      await context.close();
    });

  it("the managers' view of everyone's connections (phone)", async () => {
    const cid = await h.signedIn('cid@acme.test', 'viewer', 'Cid');
    await connect(cid, 'Claude');
    const boss = await h.signedIn(MANAGER, 'manager', 'Boss');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await context.addCookies([{ name: 'cw_session', value: boss.cookies.get('cw_session')!, url: h.url }]);
    const page = await context.newPage();
    await page.goto(`${h.url}/admin/connections`);
    expect(await page.locator('main').textContent()).toContain('cid@acme.test');
    expect(
      await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth + 1'),
    ).toBe(true);
    await page.screenshot({ path: '/tmp/cerebro-connections-admin-phone.png', fullPage: true });
    await context.close();
  });
});
