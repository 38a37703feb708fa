/** Assembles the steps over the ports, and the runner that executes them one job at a time. */
import type { Logger } from '@cw/observability';
import type { WorkspaceUrl } from '@cw/tenant-model';
import type { CrashHook } from './crash-hook.js';
import type { ProvisioningMetrics } from './metrics.js';
import type {
  ArtifactStore,
  ClusterGateway,
  DataPlaneSecrets,
  InfraExecutor,
  InfraSynthesizer,
  Notifier,
  ProvisioningQueue,
  RunStore,
  TenantDataPurger,
  TenantRenderer,
} from './ports.js';
import type { AnyStepHandler } from './step.js';
import { StepRegistry } from './step-registry.js';
import { StepRunner } from './step-runner.js';
import { ApplyInfrastructureStep } from './steps/apply-infrastructure.step.js';
import { ApplyTenantStep } from './steps/apply-tenant.step.js';
import { AwaitReadyStep } from './steps/await-ready.step.js';
import { NotifyStep } from './steps/notify.step.js';
import { PurgeTenantDataStep } from './steps/purge-tenant-data.step.js';
import { RenderTenantStep } from './steps/render-tenant.step.js';
import { RetireSigningKeysStep } from './steps/retire-signing-keys.step.js';
import { SynthesizeInfrastructureStep } from './steps/synthesize-infrastructure.step.js';

export interface PipelineDeps {
  readonly store: RunStore;
  readonly queue: ProvisioningQueue;
  readonly artifacts: ArtifactStore;
  readonly synthesizer: InfraSynthesizer;
  readonly executor: InfraExecutor;
  readonly renderer: TenantRenderer;
  /** Absent: no cluster configured, render only. */
  readonly cluster?: ClusterGateway;
  readonly notifier: Notifier;
  /** Where the welcome e-mail sends people; default https://<spec.hostname>. */
  readonly workspaceUrl?: WorkspaceUrl;
  /** Seeds the tenant vault's data-plane secrets at render; absent: nobody does (tests). */
  readonly secrets?: DataPlaneSecrets;
  /** Removes an offboarded tenant's data (store, vault, knowledge); absent: the purge step says nothing was removed. */
  readonly purger?: TenantDataPurger;
  readonly metrics: ProvisioningMetrics;
  readonly log: Logger;
  readonly crash?: CrashHook;
  /** await-ready gives up after this long. @default 600_000 */
  readonly awaitReadyTimeoutMs?: number;
  /** Offboarding waits this long for the Tenant to be gone. @default 300_000 */
  readonly deleteTimeoutMs?: number;
}

export function createStepHandlers(deps: PipelineDeps): AnyStepHandler[] {
  return [
    new SynthesizeInfrastructureStep(deps),
    new ApplyInfrastructureStep(deps),
    new RenderTenantStep(deps),
    new ApplyTenantStep({
      artifacts: deps.artifacts,
      cluster: deps.cluster,
      deleteTimeoutMs: deps.deleteTimeoutMs ?? 300_000,
    }),
    new AwaitReadyStep({
      cluster: deps.cluster,
      timeoutMs: deps.awaitReadyTimeoutMs ?? 600_000,
      artifacts: deps.artifacts,
    }),
    new NotifyStep(deps),
    new PurgeTenantDataStep({ artifacts: deps.artifacts, purger: deps.purger }),
    new RetireSigningKeysStep({ artifacts: deps.artifacts, secrets: deps.secrets }),
  ];
}

/** The runner over every step; throws MissingStepHandlerError if one is missing. */
export function createStepRunner(
  deps: PipelineDeps,
  handlers: AnyStepHandler[] = createStepHandlers(deps),
): StepRunner {
  return new StepRunner({ ...deps, registry: new StepRegistry(handlers) });
}
