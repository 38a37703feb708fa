import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ONBOARDING_STAGE_METRIC,
  createLogTracerProvider,
  traceIdOf,
  type FinishedSpan,
} from '@cw/observability';
import { GOAL_STEPS } from '@cw/tenant-model';
import { harness } from './fakes.spec-helper.js';
import { startRun } from './usecases/start-run.usecase.js';

afterEach(() => trace.disable());

/** One provision run through the harness's queue, every span it finishes collected. */
async function tracedProvision(
  slug: string,
  options: Parameters<typeof harness>[0] = {},
): Promise<{ spans: FinishedSpan[]; h: ReturnType<typeof harness> }> {
  const spans: FinishedSpan[] = [];
  expect(trace.setGlobalTracerProvider(createLogTracerProvider((s) => spans.push(s)))).toBe(true);
  const h = harness(options);
  const tenant = h.store.addTenant({ slug });
  await startRun(h.deps, {
    tenantId: tenant.id,
    goal: 'provision',
    correlationId: `corr-${slug}`,
    idempotencyKey: 'provision',
  });
  await h.queue.drain(h.runner);
  return { spans, h };
}

describe('onboarding tracing in the pipeline', () => {
  it('a provision run writes a span per step and the provisioning_started / provisioned / workspace_answers stages, all on the correlation id trace', async () => {
    const { spans, h } = await tracedProvision('trace-co');

    const steps = spans.filter((s) => s.name.startsWith('provisioning.step '));
    expect(steps.map((s) => s.attributes['provisioning.step'])).toEqual([...GOAL_STEPS.provision]);
    expect(
      steps.every((s) => s.status === 'ok' && s.attributes['provisioning.outcome'] === 'succeeded'),
    ).toBe(true);
    const stages = spans.filter((s) => s.name.startsWith('onboarding.'));
    expect(stages.map((s) => s.name)).toEqual([
      'onboarding.provisioning_started',
      'onboarding.provisioned',
      'onboarding.workspace_answers',
    ]);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceIdOf('corr-trace-co')]));
    // provisioned spans from the first step's start to the run's end: it covers every step span.
    const provisioned = stages[1]!;
    expect(Date.parse(provisioned.startTime)).toBeLessThanOrEqual(Date.parse(steps[0]!.startTime) + 1);
    expect(Date.parse(provisioned.endTime)).toBeGreaterThanOrEqual(Date.parse(steps.at(-1)!.endTime) - 1);

    const metric = (await h.registry.getMetricsAsJSON()).find((m) => m.name === ONBOARDING_STAGE_METRIC)!;
    const counts = Object.fromEntries(
      metric.values
        .filter((v) => (v as { metricName?: string }).metricName === `${ONBOARDING_STAGE_METRIC}_count`)
        .map((v) => [v.labels.stage, v.value]),
    );
    expect(counts).toEqual({ provisioning_started: 1, provisioned: 1, workspace_answers: 1 });
    // On a cluster, workspace answers = the Tenant applied → the operator's Ready (await-ready).
    const answers = stages[2]!;
    const span = (step: string) => steps.find((s) => s.attributes['provisioning.step'] === step)!;
    expect(Date.parse(answers.startTime)).toBeGreaterThanOrEqual(
      Date.parse(span('apply-tenant').endTime) - 1,
    );
    expect(Date.parse(answers.endTime)).toBeLessThanOrEqual(Date.parse(span('await-ready').endTime) + 1);
  });

  it('render-only: no workspace_answers from the provisioner (the local data plane observes it)', async () => {
    const { spans } = await tracedProvision('local-co', { cluster: false });
    const stages = spans.filter((s) => s.name.startsWith('onboarding.')).map((s) => s.name);
    expect(stages).toEqual(['onboarding.provisioning_started', 'onboarding.provisioned']);
  });

  it('a failed step ends its span as an error and observes no provisioned stage', async () => {
    const { spans } = await tracedProvision('fail-co', {
      overrides: {
        notifier: {
          sendWelcome: () => Promise.reject(new Error('smtp down')),
          wasSent: () => Promise.resolve(false),
        } as never,
      },
    });
    const failed = spans.filter((s) => s.status === 'error');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((s) => s.attributes['provisioning.step'] === 'notify')).toBe(true);
    expect(spans.some((s) => s.name === 'onboarding.provisioned')).toBe(false);
  });
});
