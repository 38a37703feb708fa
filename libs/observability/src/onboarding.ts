/**
 * Onboarding time per stage, from "checkout completed" to "first tool call succeeded" (issue 22
 * item 8). Each process records the stages it observes: a span named `onboarding.<stage>` (trace
 * id derived from the tenant's correlation id, see tracing.ts) and one observation of
 * `cw_onboarding_stage_seconds{stage}` — no tenant or user label; `stage` takes the five values
 * below only.
 *
 *   checkout_completed    the control plane handles the checkout webhook (receipt → run queued)
 *   provisioning_started  run queued → its first step starts (queue wait)
 *   provisioned           first step starts → run succeeded (provisioner)
 *   workspace_answers     workloads started → cerebro and every engine answer their probes:
 *                         npm start's local data plane (processes spawned → first healthz OK);
 *                         on a cluster the provisioner (Tenant applied → the operator's Ready,
 *                         every Deployment available)
 *   first_tool_call       the tenant's onboarding start → its first call that passed the gate and
 *                         succeeded, once per tenant (the engine; the start is CW_ONBOARDING_SINCE,
 *                         the provision run's creation, i.e. checkout, from the Tenant's onboarding
 *                         annotations through the chart)
 *
 * The stages overlap (a cluster's provisioned run includes waiting for Ready; first_tool_call spans
 * the rest): each answers "how long did this part take", and the spans of one tenant share a trace.
 */
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { Histogram, type Registry } from 'prom-client';
import { tracerFor } from './tracing.js';

export const ONBOARDING_STAGES = [
  'checkout_completed',
  'provisioning_started',
  'provisioned',
  'workspace_answers',
  'first_tool_call',
] as const;
export type OnboardingStage = (typeof ONBOARDING_STAGES)[number];
export const ONBOARDING_STAGE_METRIC = 'cw_onboarding_stage_seconds';
/** Seconds: 50 ms … 10 min (a cold start under tsx is seconds, a cloud apply minutes). */
export const ONBOARDING_BUCKETS = [
  0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 300, 600,
];

export interface StageTiming {
  readonly correlationId: string;
  readonly start: Date | number;
  readonly end: Date | number;
  /** Bounded attributes only (never a user id); `outcome: 'failed'` marks the span as an error. */
  readonly attributes?: Record<string, string | number | boolean>;
  readonly failed?: string;
}

export interface OnboardingRecorder {
  stage(stage: OnboardingStage, timing: StageTiming): void;
}

export function onboardingHistogram(registry: Registry): Histogram<'stage'> {
  return (
    (registry.getSingleMetric(ONBOARDING_STAGE_METRIC) as Histogram<'stage'> | undefined) ??
    new Histogram({
      name: ONBOARDING_STAGE_METRIC,
      help: 'Onboarding time per stage, from checkout completed to the first successful tool call (seconds).',
      labelNames: ['stage'] as const,
      buckets: ONBOARDING_BUCKETS,
      registers: [registry],
    })
  );
}

export function createOnboardingRecorder(options: {
  registry?: Registry;
  tracer?: Tracer;
}): OnboardingRecorder {
  const histogram = options.registry ? onboardingHistogram(options.registry) : undefined;
  const tracer = options.tracer ?? tracerFor('cw.onboarding');
  return {
    stage(stage, t) {
      if (!ONBOARDING_STAGES.includes(stage)) throw new Error(`unknown onboarding stage: ${String(stage)}`);
      const start = typeof t.start === 'number' ? t.start : t.start.getTime();
      const end = Math.max(typeof t.end === 'number' ? t.end : t.end.getTime(), start);
      const span = tracer.startSpan(`onboarding.${stage}`, {
        startTime: start,
        root: true,
        attributes: { correlation_id: t.correlationId, 'onboarding.stage': stage, ...t.attributes },
      });
      span.setStatus(
        t.failed ? { code: SpanStatusCode.ERROR, message: t.failed } : { code: SpanStatusCode.OK },
      );
      span.end(end);
      if (!t.failed) histogram?.observe({ stage }, (end - start) / 1000);
    },
  };
}
