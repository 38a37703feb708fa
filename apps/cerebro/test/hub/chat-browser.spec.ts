/**
 * The chat page in Debian Chromium: the answer streams in (hub.js over SSE), a tool call shows
 * its decision, the keyboard reaches the composer, and the page is readable on a phone.
 */
import { launchChromium } from '@cw/testing/browser';
import { startScriptedLlmServer, type ScriptedLlmServer } from '@cw/testing/llm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCerebro, type CerebroHarness } from '../support/cerebro.harness.js';

describe('chat in the browser', () => {
  let llm: ScriptedLlmServer;
  let cerebro: CerebroHarness;
  let browser: Browser;
  beforeAll(async () => {
    llm = await startScriptedLlmServer();
    cerebro = await startCerebro({
      llm: { kind: 'openai-compatible', baseUrl: llm.baseUrl, model: 'scripted' },
    });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await cerebro?.stop();
    await llm?.close();
  });

  it('streams an answer and keeps it after a reload', async () => {
    const client = await cerebro.signedIn('ann@acme.test', 'developer', 'Ann');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await context.addCookies([
      { name: 'cw_session', value: client.cookies.get('cw_session')!, url: cerebro.url },
    ]);
    const page = await context.newPage();
    llm.script([{ text: 'Hello Ann, nothing to run today.' }]);
    await page.goto(`${cerebro.url}/chat`);
    await page.getByLabel('Ask something').fill('hi');
    await page.getByRole('button', { name: 'Start a conversation' }).click();
    await page.waitForURL(/\/chat\/[\w-]+$/);
    await expect.poll(() => page.locator('.msg.assistant').first().textContent()).toContain('Hello Ann');
    llm.script([{ text: 'A streamed second answer.', chunkDelayMs: 20 }]);
    await page.getByLabel('Message').fill('and now?');
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate<string | undefined>('document.activeElement?.id')).toBe('send');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('.msg.assistant').last().textContent(), { timeout: 15_000 })
      .toContain('A streamed second answer.');
    await page.screenshot({ path: 'coverage/chat-page.png', fullPage: true }).catch(() => undefined);
    await page.reload();
    expect(await page.locator('.msg.assistant').last().textContent()).toContain('A streamed second answer.');
    const overflow = await page.evaluate<boolean>(
      'document.documentElement.scrollWidth > window.innerWidth + 1',
    );
    expect(overflow).toBe(false);
    await context.close();
  });
});
