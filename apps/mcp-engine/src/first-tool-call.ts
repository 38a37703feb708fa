/**
 * Onboarding stage `first_tool_call` (issue 22 item 8): the first call of a tenant that passed the
 * gate and succeeded (audit row decision `allow`, result `ok`), recorded once per tenant — a span
 * `onboarding.first_tool_call` on the tenant's correlation id and one observation of
 * `cw_onboarding_stage_seconds{stage="first_tool_call"}` in the engine's registry, valued in
 * seconds since the moment the onboarding is counted from (`since`, given by whoever starts the
 * engine: CW_ONBOARDING_SINCE). "Once per tenant" is a record created in the tenant store
 * (collection `onboarding`, id `first_tool_call`): create-if-absent, so a restart, a second
 * replica or a second engine of the tenant sharing the store never records it again.
 */
import { z } from 'zod';
import type { Tracer } from '@opentelemetry/api';
import type { AuditRow } from '@cw/mcp-gate';
import { createOnboardingRecorder, type Logger, type Registry } from '@cw/observability';
import { AlreadyExistsError, defineCollection, type TenantStore } from '@cw/tenant-store';
import { ONBOARDING_CORRELATION_ID_MAX } from '@cw/tenant-model';

export interface OnboardingContext {
  /** The tenant's correlation id (its Tenant's annotation): the span's trace. */
  readonly correlationId: string;
  /** Where the stage is counted from. */
  readonly since: Date;
  /** Tests; else the global tracer (spans as log lines, useLogTracing). */
  readonly tracer?: Tracer;
}

export const ONBOARDING_RECORDS = defineCollection(
  'onboarding',
  z.strictObject({ at: z.string(), engine: z.string().max(30), seconds: z.number().min(0) }),
);
const PARTITION = 'tenant';
const FIRST_TOOL_CALL = 'first_tool_call';

export class FirstToolCall {
  private done = false;
  private pending: Promise<void> | undefined;
  private readonly recorder;

  constructor(
    private readonly deps: {
      store: TenantStore;
      registry: Registry;
      context: OnboardingContext;
      engine: string;
      log: Logger;
    },
  ) {
    this.recorder = createOnboardingRecorder({
      registry: deps.registry,
      ...(deps.context.tracer ? { tracer: deps.context.tracer } : {}),
    });
  }

  /** Called with every audit row (the gate's onAudit): cheap once the stage is recorded. */
  observe(row: AuditRow): void {
    if (this.done || this.pending || row.decision !== 'allow' || row.result !== 'ok') return;
    this.pending = this.record(row).finally(() => (this.pending = undefined));
  }

  /** Resolves when no record is being written (tests). */
  async settled(): Promise<void> {
    await this.pending;
  }

  private async record(row: AuditRow): Promise<void> {
    const { context, store, engine, log } = this.deps;
    const end = Date.parse(row.at);
    const seconds = Math.max(0, (end - context.since.getTime()) / 1000);
    try {
      await store
        .collection(ONBOARDING_RECORDS)
        .create(PARTITION, FIRST_TOOL_CALL, { at: row.at, engine, seconds });
    } catch (error) {
      if (error instanceof AlreadyExistsError) this.done = true;
      // Any other failure (store unavailable): the next successful call tries again.
      else log.warn({ err: error }, 'onboarding: the first tool call could not be recorded');
      return;
    }
    this.done = true;
    this.recorder.stage('first_tool_call', {
      correlationId: context.correlationId,
      start: context.since,
      end,
      attributes: { engine },
    });
  }
}

/**
 * The onboarding context from the environment the engine is started with (CW_ONBOARDING_CORRELATION_ID,
 * CW_ONBOARDING_SINCE as an ISO time); undefined when either is missing. A bad value is a problem
 * named by the variable, never a reason not to start.
 */
export function onboardingFromEnv(env: NodeJS.ProcessEnv): { context?: OnboardingContext; problem?: string } {
  const correlationId = env.CW_ONBOARDING_CORRELATION_ID?.trim();
  const since = env.CW_ONBOARDING_SINCE?.trim();
  if (!correlationId || !since) return {};
  if (correlationId.length > ONBOARDING_CORRELATION_ID_MAX)
    return {
      problem: `CW_ONBOARDING_CORRELATION_ID: longer than ${ONBOARDING_CORRELATION_ID_MAX} characters`,
    };
  const at = Date.parse(since);
  if (Number.isNaN(at)) return { problem: 'CW_ONBOARDING_SINCE: is not an ISO date-time' };
  return { context: { correlationId, since: new Date(at) } };
}
