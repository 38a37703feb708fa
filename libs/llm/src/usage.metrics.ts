/**
 * Token usage per tenant, for metering later: a counter labelled by tenant, provider, model and
 * direction — never by user.
 */
import { Counter, type Registry } from 'prom-client';
import type { ChatUsage } from './chat.port.js';

export interface UsageRecorder {
  record(provider: string, model: string, usage: ChatUsage): void;
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
  return {
    record(provider, model, usage) {
      tokens.inc({ tenant, provider, model, direction: 'input' }, usage.inputTokens);
      tokens.inc({ tenant, provider, model, direction: 'output' }, usage.outputTokens);
    },
  };
}
