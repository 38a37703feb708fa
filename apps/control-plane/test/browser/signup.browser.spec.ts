// The customer's journey in a real browser (Debian Chromium via playwright-core): fill the
// sign-up form, see field errors on bad input, submit, follow the magic link from the outbox,
// reach the status page and watch it update live; with billing on, pay on the (local) hosted
// checkout page and come back to a provisioning tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '@cw/testing/browser';
import { createStripeClient, syncStripeCatalog, TransitionTenantUseCase } from '@cw/control-plane';
import { startHarness, type Harness } from '../support/harness.js';

let browser: Browser;
beforeAll(async () => {
  if (chromiumAvailable()) browser = await launchChromium();
}, 60_000);
afterAll(async () => browser?.close());

async function fillSignup(
  page: Page,
  values: {
    name: string;
    slug?: string;
    email: string;
    plan?: string;
    seats?: string;
    cloud?: string;
    region?: string;
  },
) {
  await page.getByLabel('Organisation name', { exact: true }).fill(values.name);
  if (values.slug !== undefined)
    await page.getByLabel('Workspace address', { exact: true }).fill(values.slug);
  await page.getByLabel('Your work e-mail', { exact: true }).fill(values.email);
  await page.locator(`#plan-${values.plan ?? 'team'}`).check();
  await page.getByLabel('Seats', { exact: true }).fill(values.seats ?? '5');
  await page.getByLabel('Cloud', { exact: true }).selectOption(values.cloud ?? 'azure');
  await page.getByLabel('Region', { exact: true }).selectOption(values.region ?? 'westeurope');
}

describe.skipIf(!chromiumAvailable())('sign-up in a browser (trial)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('browser');
  });
  afterAll(async () => h?.close());

  it('shows field errors, then signs up, verifies and follows provisioning live', async () => {
    const page = await browser.newPage();
    await page.goto(h.url);
    expect(await page.title()).toBe('Create your workspace · ContextWeaver');

    // The slug is suggested from the name and checked live.
    await page.getByLabel('Organisation name', { exact: true }).fill('Browser Test Co');
    await expect.poll(() => page.locator('#slug').inputValue()).toBe('browser-test-co');
    await page.waitForSelector('#slug-status:has-text("is available")');

    // Bad input: errors next to the fields, summary focused, values kept.
    await fillSignup(page, {
      name: 'Browser Test Co',
      slug: 'admin',
      email: 'not-an-email',
      plan: 'starter',
      seats: '50',
    });
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.waitForSelector('#error-summary');
    expect(await page.title()).toBe('Error: Create your workspace · ContextWeaver');
    expect(await page.locator('#slug-error').innerText()).toContain('reserved');
    expect(await page.locator('#email-error').innerText()).toContain('e-mail address');
    expect(await page.locator('#seats-error').innerText()).toContain('outside the starter plan');
    expect(await page.getByLabel('Your work e-mail', { exact: true }).getAttribute('aria-invalid')).toBe(
      'true',
    );
    expect(
      await page.getByLabel('Your work e-mail', { exact: true }).getAttribute('aria-describedby'),
    ).toContain('email-error');
    expect(await page.locator('#error-summary:focus').count()).toBe(1);
    expect(await page.getByLabel('Organisation name', { exact: true }).inputValue()).toBe('Browser Test Co');

    // Good input.
    await fillSignup(page, {
      name: 'Browser Test Co',
      slug: 'browser-test-co',
      email: 'browser@example.com',
    });
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.waitForURL(/\/check-email\?slug=browser-test-co$/);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Check your e-mail');

    // The magic link from the dev outbox.
    await page.goto(await h.magicLink('browser@example.com'));
    await page.getByRole('button', { name: 'Confirm and continue' }).click();
    await page.waitForURL(/\/status$/);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Browser Test Co');
    expect(await page.locator('#message-title').innerText()).toBe('Setting up your workspace');
    expect(await page.locator('#live').innerText()).toContain('trial');
    expect(await page.locator('.step').count()).toBe(6);

    // The provisioner reports progress; the page follows without a reload.
    const tenant = (await h.ctx.db.tenants.findBySlug('browser-test-co'))!;
    const run = (await h.ctx.db.runs.latestForTenant(tenant.id))!;
    await h.ctx.db.runs.markStarted(run.id);
    await h.ctx.db.runs.startStep(run.id, 'synthesize-infrastructure');
    await h.ctx.db.runs.completeStep(run.id, 'synthesize-infrastructure', { files: 4 });
    await page.waitForSelector('[data-step="synthesize-infrastructure"][data-status="succeeded"]', {
      timeout: 10_000,
    });
    await h.app
      .get(TransitionTenantUseCase)
      .execute(tenant.id, 'provisioning_succeeded', { actor: { kind: 'provisioner', runId: run.id } });
    await page.waitForSelector('#tenant-url', { timeout: 10_000 });
    expect(await page.locator('#tenant-url').getAttribute('href')).toBe(
      'https://browser-test-co.localtest.me',
    );
    expect(await page.locator('#message-title').innerText()).toBe('Your workspace is ready');
    await page.close();
  }, 60_000);
});

describe.skipIf(!chromiumAvailable())('sign-up in a browser (with Stripe Checkout)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('browser-billing', { billing: true });
    await syncStripeCatalog(
      createStripeClient({ secretKey: h.stripe!.secretKey, apiBase: h.stripe!.apiBase }),
    );
  });
  afterAll(async () => h?.close());

  it('pays on the checkout page and comes back to a provisioning workspace', async () => {
    const page = await browser.newPage();
    await page.goto(h.url);
    await fillSignup(page, {
      name: 'Paying Customer',
      email: 'payer@example.com',
      plan: 'enterprise',
      seats: '25',
      cloud: 'aws',
      region: 'eu-central-1',
    });
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.waitForURL(/\/check-email/);
    await page.goto(await h.magicLink('payer@example.com'));
    await page.getByRole('button', { name: 'Confirm and continue' }).click();
    await page.waitForURL(new RegExp(`^${h.stripe!.url}/checkout/`));
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.waitForURL(/\/status\?checkout=success$/);
    expect(await page.getByRole('status').first().innerText()).toContain('Thank you');
    await page.waitForSelector('#tenant-state[data-state="provisioning"]', { timeout: 10_000 });
    expect(await page.getByRole('button', { name: 'Manage billing' }).count()).toBe(1);
    await page.close();
  }, 60_000);
});
