// The newcomer path in a real browser, for every cloud × isolation the sign-up form offers: fill
// in the organisation name and e-mail (and the cloud, region, plan and isolation under test),
// confirm the e-mail, and watch the status page while the real provisioner (its own process, the
// default gitops executor, no cluster — as `npm start`) runs. Every combination must end in a
// state the page explains truthfully: never "Provisioning stopped", never a promise of alerts.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '@cw/testing/browser';
import { startProcess, type PlatformProcess } from '@cw/testing/processes';
import { CLOUD_PROVIDERS, PLANS, REGIONS, type IsolationModel } from '@cw/tenant-model';
import { TEST_DATABASE_URL } from '@cw/db/testing';
import { startHarness, type Harness } from '../support/harness.js';

const combinations = CLOUD_PROVIDERS.flatMap((cloud) =>
  (['shared', 'dedicated'] as const).map((isolation) => {
    // The form keeps the default plan (team) unless it does not offer the isolation.
    const plan = (PLANS.team.isolation as readonly IsolationModel[]).includes(isolation)
      ? 'team'
      : 'enterprise';
    return { cloud, isolation, plan, region: REGIONS[cloud][0]! };
  }),
);

describe.skipIf(!chromiumAvailable())('newcomer sign-up with defaults, every cloud × isolation', () => {
  let browser: Browser;
  let h: Harness;
  let provisioner: PlatformProcess;
  beforeAll(async () => {
    browser = await launchChromium();
    h = await startHarness('newcomer');
    provisioner = startProcess('provisioner', {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: h.ctx.db.schema!,
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: h.config.redis.queuePrefix,
      ARTIFACTS_DIR: await mkdtemp(join(tmpdir(), 'cw-newcomer-artifacts-')),
      MAIL_OUTBOX_DIR: h.outbox,
      LOG_LEVEL: 'info',
    });
    const until = Date.now() + 120_000;
    while (!/provisioner ready/.test(provisioner.output())) {
      if (!provisioner.alive() || Date.now() > until)
        throw new Error(
          `the provisioner did not start (alive: ${provisioner.alive()}):\n${provisioner.output().slice(-3000)}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 180_000);
  afterAll(async () => {
    await provisioner?.stop();
    await browser?.close();
    await h?.close();
  });

  it.each(combinations)('$cloud × $isolation ($plan)', async (c) => {
    const page = await browser.newPage();
    const email = `new-${c.cloud}-${c.isolation}@example.com`;
    await page.goto(h.url);
    await page.getByLabel('Organisation name', { exact: true }).fill(`Newcomer ${c.cloud} ${c.isolation}`);
    await page.getByLabel('Your work e-mail', { exact: true }).fill(email);
    await page.locator(`#plan-${c.plan}`).check();
    await page.getByLabel('Cloud', { exact: true }).selectOption(c.cloud);
    await page.getByLabel('Region', { exact: true }).selectOption(c.region);
    await page.locator(`#isolation-${c.isolation}`).check();
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.waitForURL(/\/check-email/);
    await page.goto(await h.magicLink(email));
    await page.getByRole('button', { name: 'Confirm and continue' }).click();
    await page.waitForURL(/\/status$/);
    // The live stream updates the page when the run ends.
    await expect
      .poll(() => page.locator('#message-title').innerText(), { timeout: 120_000, interval: 250 })
      .not.toBe('Setting up your workspace');
    const title = await page.locator('#message-title').innerText();
    const body = await page.locator('#live').innerText();
    expect({ combination: c, title }).toEqual({
      combination: c,
      title: c.cloud === 'azure' ? 'Waiting for your cloud resources' : 'Provisioned (render-only)',
    });
    expect(body).not.toMatch(/alerted|Provisioning stopped/);
    await page.close();
  });
});
