/**
 * Connecting an external MCP client, the browser leg in Debian Chromium: the authorization URL a
 * client opens lands on cerebro's consent page (who, which engine, what it may do), Allow is
 * reachable by keyboard, and the browser returns to the client's redirect URI with a code;
 * without a session the page asks to sign in first. Screenshots go to /tmp.
 */
import { createHash, randomBytes } from 'node:crypto';
import { launchChromium } from '@cw/testing/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCerebro, type CerebroHarness } from '../support/cerebro.harness.js';

const REDIRECT = 'http://127.0.0.1:1/callback';
const MCP_URL = 'http://127.0.0.1:9/mcp';

describe('the consent page in the browser', () => {
  let cerebro: CerebroHarness;
  let browser: Browser;
  let authorizationUrl: string;
  beforeAll(async () => {
    cerebro = await startCerebro({
      engines: [{ name: 'main', mcpUrl: MCP_URL, dashboardUrl: 'http://127.0.0.1:9', plugins: ['payments'] }],
    });
    browser = await launchChromium();
    const reg = await fetch(`${cerebro.url}/oauth/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Visual Studio Code',
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
      }),
    });
    const { client_id } = (await reg.json()) as { client_id: string };
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
    authorizationUrl = `${cerebro.url}/oauth/auth?${new URLSearchParams({
      client_id,
      response_type: 'code',
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      resource: MCP_URL,
      state: 'xyz',
    })}`;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await cerebro?.stop();
  });

  it('shows who, which engine and the lifetimes; Allow by keyboard returns a code to the client', async () => {
    const client = await cerebro.signedIn('ann@acme.test', 'developer', 'Ann');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await context.addCookies([
      { name: 'cw_session', value: client.cookies.get('cw_session')!, url: cerebro.url },
    ]);
    let callback = '';
    await context.route('http://127.0.0.1:1/**', async (route) => {
      callback = route.request().url();
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'client received the code' });
    });
    const page = await context.newPage();
    await page.goto(authorizationUrl);
    await page.waitForURL(/\/connect\//);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 10_000 })
      .toContain('Visual Studio Code');
    const body = await page.locator('main').textContent();
    expect(body).toContain('as you');
    expect(body).toContain('ann@acme.test');
    expect(body).toContain(MCP_URL);
    expect(body).toContain('5 minutes');
    expect(
      await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth + 1'),
    ).toBe(true);
    await page.screenshot({ path: '/tmp/cerebro-oauth-consent.png', fullPage: true });

    const focused = () => page.evaluate<string | undefined>('document.activeElement?.textContent?.trim()');
    for (let i = 0; i < 20 && (await focused()) !== 'Allow'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('Allow');
    await page.keyboard.press('Enter');
    await expect.poll(() => callback, { timeout: 20_000 }).toContain('/callback?code=');
    expect(new URL(callback).searchParams.get('state')).toBe('xyz');
    await context.close();
  });

  it('asks an anonymous visitor to sign in first', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(authorizationUrl);
    await page.waitForURL(/\/connect\//);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Sign in');
    await page.screenshot({ path: '/tmp/cerebro-oauth-sign-in-first.png', fullPage: true });
    await page.getByRole('link', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/sign-in\?next=%2Fconnect%2F/);
    await context.close();
  });
});
