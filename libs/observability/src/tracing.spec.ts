import { context } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createLogger, withCorrelationId } from './logger.js';
import { Registry } from './metrics.js';
import { ONBOARDING_STAGE_METRIC, createOnboardingRecorder } from './onboarding.js';
import { createTestLogSink } from './test-sink.js';
import {
  AsyncLocalContextManager,
  createLogTracerProvider,
  inSpan,
  logSpanSink,
  traceIdOf,
  type FinishedSpan,
} from './tracing.js';

function capture() {
  const spans: FinishedSpan[] = [];
  const tracer = createLogTracerProvider((s) => spans.push(s)).getTracer('t');
  return { spans, tracer };
}

describe('log tracer', () => {
  it('writes one JSON log line per finished span, through the redacting logger, trace id from the correlation id', async () => {
    const sink = createTestLogSink();
    const log = createLogger({ name: 'trace-test', level: 'info', destination: sink.destination });
    const tracer = createLogTracerProvider(logSpanSink(log)).getTracer('t');
    await withCorrelationId('corr-1', () =>
      inSpan(tracer, 'step', { attributes: { step: 'render', mail: 'ann@example.com' } }, async () => 1),
    );
    const records = sink.records().filter((r) => r.msg === 'span');
    expect(records).toHaveLength(1);
    const span = records[0]!.span as FinishedSpan;
    expect(span.name).toBe('step');
    expect(span.traceId).toBe(traceIdOf('corr-1'));
    expect(span.correlationId).toBe('corr-1');
    expect(records[0]!.correlationId).toBe('corr-1');
    expect(span.status).toBe('ok');
    expect(span.attributes.step).toBe('render');
    expect(sink.text()).not.toContain('ann@example.com');
  });

  it('nests active spans under their parent and records a failure as an error span', async () => {
    const { spans, tracer } = capture();
    const registered = context.setGlobalContextManager(new AsyncLocalContextManager());
    try {
      await expect(
        inSpan(tracer, 'outer', {}, () =>
          inSpan(tracer, 'inner', {}, async () => Promise.reject(new Error('boom'))),
        ),
      ).rejects.toThrow('boom');
    } finally {
      if (registered) context.disable();
    }
    const [inner, outer] = spans;
    expect(inner!.name).toBe('inner');
    expect(inner!.parentSpanId).toBe(outer!.spanId);
    expect(inner!.traceId).toBe(outer!.traceId);
    expect(inner!.status).toBe('error');
    expect(inner!.statusMessage).toBe('boom');
    expect(inner!.events[0]!.name).toBe('exception');
    expect(outer!.status).toBe('error');
  });
});

describe('onboarding recorder', () => {
  it('records a span per stage with its own start and end, and observes the stage histogram without tenant labels', async () => {
    const registry = new Registry();
    const { spans, tracer } = capture();
    const rec = createOnboardingRecorder({ registry, tracer });
    rec.stage('provisioned', { correlationId: 'c-9', start: 1_000, end: 3_500 });
    rec.stage('workspace_answers', { correlationId: 'c-9', start: new Date(3_500), end: new Date(4_000) });
    rec.stage('first_tool_call', { correlationId: 'c-9', start: 4_000, end: 4_100, failed: 'no engine' });
    expect(spans.map((s) => [s.name, s.durationMs, s.status])).toEqual([
      ['onboarding.provisioned', 2500, 'ok'],
      ['onboarding.workspace_answers', 500, 'ok'],
      ['onboarding.first_tool_call', 100, 'error'],
    ]);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceIdOf('c-9')]));
    expect(spans[0]!.startTime).toBe(new Date(1_000).toISOString());
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === ONBOARDING_STAGE_METRIC)!;
    const counts = metric.values.filter(
      (v) => (v as { metricName?: string }).metricName === `${ONBOARDING_STAGE_METRIC}_count`,
    );
    expect(counts.map((v) => [v.labels.stage, v.value])).toEqual([
      ['provisioned', 1],
      ['workspace_answers', 1],
    ]);
    const sums = metric.values.filter(
      (v) => (v as { metricName?: string }).metricName === `${ONBOARDING_STAGE_METRIC}_sum`,
    );
    expect(sums.map((v) => v.value)).toEqual([2.5, 0.5]);
    for (const v of metric.values) expect(Object.keys(v.labels).filter((k) => k !== 'le')).toEqual(['stage']);
    expect(() => rec.stage('nope' as 'provisioned', { correlationId: 'x', start: 0, end: 1 })).toThrow();
  });
});
