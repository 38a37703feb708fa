/**
 * await-ready: follows the Tenant's status (a watch) until the operator reports Ready=True for
 * the current generation. A timeout fails the run at once with the last condition message: the
 * wait already lasted long enough, retrying would only repeat it.
 */
import type { Tenant, TenantCondition } from '@cw/tenant-model';
import { PermanentStepError, WaitTimeoutError } from '../errors.js';
import { pendingBindings } from '../artifacts.js';
import type { ArtifactStore, ClusterGateway } from '../ports.js';
import { skipped, succeeded, type StepContext, type StepHandler, type StepResult } from '../step.js';

export interface AwaitReadyInput {
  readonly slug: string;
  readonly timeoutMs: number;
  readonly pendingBindings?: readonly string[];
}

export interface AwaitReadyOutput {
  readonly phase?: string;
  readonly url?: string;
  readonly generation?: number;
  readonly waitedMs: number;
}

export const condition = (tenant: Tenant | undefined, type: string): TenantCondition | undefined =>
  tenant?.status?.conditions?.find((c) => c.type === type);

/** Ready for the spec we applied: the operator has seen this generation and says Ready=True. */
export const isReadyTenant = (tenant: Tenant | undefined): boolean =>
  !!tenant &&
  (tenant.status?.observedGeneration ?? -1) >= (tenant.metadata.generation ?? 0) &&
  condition(tenant, 'Ready')?.status === 'True';

/** What the operator last said, for a person reading why it is not ready. */
export function lastWord(tenant: Tenant | undefined): string {
  if (!tenant) return 'the Tenant does not exist';
  const ready = condition(tenant, 'Ready');
  const degraded = condition(tenant, 'Degraded');
  const said = degraded?.status === 'True' ? degraded : ready;
  if (!said) return `no status yet (phase ${tenant.status?.phase ?? 'unknown'}; is the operator running?)`;
  return `${said.type}=${said.status} ${said.reason}: ${said.message}`;
}

export class AwaitReadyStep implements StepHandler<AwaitReadyInput, AwaitReadyOutput> {
  readonly name = 'await-ready' as const;

  constructor(
    private readonly deps: { cluster?: ClusterGateway; timeoutMs: number; artifacts?: ArtifactStore },
  ) {}

  async input(ctx: StepContext): Promise<AwaitReadyInput> {
    const pending = this.deps.artifacts && (await pendingBindings(this.deps.artifacts, ctx.tenant.slug));
    return {
      slug: ctx.tenant.slug,
      timeoutMs: this.deps.timeoutMs,
      ...(pending ? { pendingBindings: pending } : {}),
    };
  }

  async run(input: AwaitReadyInput): Promise<StepResult<AwaitReadyOutput>> {
    const { cluster } = this.deps;
    if (!cluster) return skipped('no cluster configured (render-only)');
    if (input.pendingBindings) return skipped('nothing applied yet: waiting for the infrastructure pipeline');
    const started = Date.now();
    try {
      const tenant = await cluster.waitForTenant(input.slug, isReadyTenant, input.timeoutMs);
      return succeeded(
        {
          phase: tenant?.status?.phase,
          url: tenant?.status?.url,
          generation: tenant?.metadata.generation,
          waitedMs: Date.now() - started,
        },
        `Ready after ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) throw error;
      const seconds = Math.round(input.timeoutMs / 1000);
      throw new PermanentStepError(
        `Tenant "${input.slug}" not Ready after ${seconds} s: ${lastWord(error.lastSeen as Tenant | undefined)}`,
      );
    }
  }
}
