/**
 * Onboarding stage first_tool_call: recorded by the engine at the tenant's first call that passed
 * the gate and succeeded — not at a refusal, not again at the next call, and not again after a
 * restart (the record lives in the tenant store the engine shares with its next run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLogTracerProvider,
  ONBOARDING_STAGE_METRIC,
  traceIdOf,
  type FinishedSpan,
} from '@cw/observability';
import { MemoryTenantStore } from '@cw/tenant-store';
import { startStripeServer, type StripeTestServer } from '@cw/testing/stripe';
import { onboardingFromEnv } from '../src/first-tool-call.js';
import { startHarness, TENANT, textOf, USERS, type Harness } from './support/harness.js';

const CORRELATION = 'cs_test_onboarding_0001';
const spans: FinishedSpan[] = [];
const tracer = createLogTracerProvider((s) => spans.push(s)).getTracer('test');
const store = new MemoryTenantStore(TENANT);
let stripe: StripeTestServer;
let since: Date;

/** count and sum of cw_onboarding_stage_seconds{stage="first_tool_call"} on the engine's /metrics. */
async function firstToolCallSeries(h: Harness): Promise<{ count: number; sum: number }> {
  const text = await (await fetch(`${h.engine.dashboardUrl}/metrics`)).text();
  const value = (suffix: string) =>
    Number(
      new RegExp(
        `^${ONBOARDING_STAGE_METRIC}_${suffix}\\{[^}]*stage="first_tool_call"[^}]*\\} (\\S+)$`,
        'm',
      ).exec(text)?.[1] ?? 0,
    );
  return { count: value('count'), sum: value('sum') };
}

/** An engine on the one tenant store of this file (a second call is the same tenant restarted). */
const engineOnSharedStore = () =>
  startHarness({ store, stripe, onboarding: { correlationId: CORRELATION, since, tracer } });

beforeAll(async () => {
  stripe = await startStripeServer();
});
afterAll(async () => {
  await stripe?.close();
  await store.close();
});

describe('first_tool_call', () => {
  it('is recorded once, at the first successful call, in seconds since the onboarding began', async () => {
    since = new Date(Date.now() - 42_000);
    const h = await engineOnSharedStore();
    try {
      const viewer = await h.connect(USERS.viewer);
      const refused = await viewer.callTool({ name: 'payments.charge', arguments: { amount: 5 } });
      expect(textOf(refused)).toMatch(/^refused: role: /);
      await h.engine.onboardingSettled();
      expect(await firstToolCallSeries(h), 'a refusal is not a first tool call').toEqual({
        count: 0,
        sum: 0,
      });

      const developer = await h.connect(USERS.developer);
      const ok = await developer.callTool({ name: 'payments.balance', arguments: {} });
      expect(ok.isError, textOf(ok)).toBeFalsy();
      await h.engine.onboardingSettled();
      const once = await firstToolCallSeries(h);
      expect(once.count).toBe(1);
      expect(once.sum).toBeGreaterThanOrEqual(42);
      expect(once.sum).toBeLessThan(42 + 60);
      const span = spans.find((s) => s.name === 'onboarding.first_tool_call');
      expect(span).toMatchObject({
        traceId: traceIdOf(CORRELATION),
        correlationId: CORRELATION,
        status: 'ok',
        startTime: since.toISOString(),
        attributes: { 'onboarding.stage': 'first_tool_call', engine: 'main' },
      });

      await developer.callTool({ name: 'payments.balance', arguments: {} });
      await h.engine.onboardingSettled();
      expect((await firstToolCallSeries(h)).count, 'the second call is not').toBe(1);
    } finally {
      await h.close();
    }
  });

  it('is not recorded again after a restart on the same tenant store', async () => {
    const h = await engineOnSharedStore();
    try {
      const developer = await h.connect(USERS.developer);
      const ok = await developer.callTool({ name: 'payments.balance', arguments: {} });
      expect(ok.isError, textOf(ok)).toBeFalsy();
      await h.engine.onboardingSettled();
      expect((await firstToolCallSeries(h)).count).toBe(0);
      expect(spans.filter((s) => s.name === 'onboarding.first_tool_call')).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it('takes its context from CW_ONBOARDING_* and names a bad variable instead of failing the start', () => {
    expect(onboardingFromEnv({})).toEqual({});
    expect(
      onboardingFromEnv({ CW_ONBOARDING_CORRELATION_ID: 'c1', CW_ONBOARDING_SINCE: '2026-12-07T06:00:00Z' }),
    ).toEqual({ context: { correlationId: 'c1', since: new Date('2026-12-07T06:00:00Z') } });
    expect(
      onboardingFromEnv({ CW_ONBOARDING_CORRELATION_ID: 'c1', CW_ONBOARDING_SINCE: 'yesterday' }).problem,
    ).toBe('CW_ONBOARDING_SINCE: is not an ISO date-time');
  });
});
