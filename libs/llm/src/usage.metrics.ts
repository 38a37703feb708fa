/**
 * Token usage per tenant, for metering later: a counter labelled by tenant, provider, model and
 * direction — never by user.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ChatUsage } from './chat.port.js';

export interface UsageRecorder {
  record(provider: string, model: string, usage: ChatUsage): void;
  /** One model call's duration and outcome (`ok`, or the LlmCallError kind). */
  call?(provider: string, model: string, seconds: number, outcome: string): void;
}

export function createUsageRecorder(registry: Registry, tenant: string): UsageRecorder {
  const tokens =
    (registry.getSingleMetric('cw_llm_tokens_total') as Counter<string> | undefined) ??
    new Counter({
      name: 'cw_llm_tokens_total',
      help: 'Tokens sent to and received from the language model, per tenant',
      labelNames: ['tenant', 'provider', 'model', 'direction'],
      registers: [registry],
    });
  const calls =
    (registry.getSingleMetric('cw_llm_request_duration_seconds') as Histogram<string> | undefined) ??
    new Histogram({
      name: 'cw_llm_request_duration_seconds',
      help: 'Language model calls (whole streamed answer), by provider, model and outcome',
      labelNames: ['tenant', 'provider', 'model', 'outcome'],
      buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120],
      registers: [registry],
    });
  return {
    call(provider, model, seconds, outcome) {
      calls.observe({ tenant, provider, model, outcome }, seconds);
    },
    record(provider, model, usage) {
      tokens.inc({ tenant, provider, model, direction: 'input' }, usage.inputTokens);
      tokens.inc({ tenant, provider, model, direction: 'output' }, usage.outputTokens);
    },
  };
}
