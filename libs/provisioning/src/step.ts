/**
 * What a provisioning step is (STYLE.md #5): a class with a name, a typed input gathered from the
 * tenant, its artifacts and earlier steps, and a `run()` that is safe to repeat (check-then-act
 * or server-side apply). The runner records every attempt; a step only says what it did.
 */
import type { Logger } from '@cw/observability';
import type { ProvisioningJobData, ProvisioningStep } from '@cw/tenant-model';
import type { ProvisioningRun, ProvisioningTenant } from './ports.js';

export interface StepContext {
  readonly job: ProvisioningJobData;
  readonly run: ProvisioningRun;
  readonly tenant: ProvisioningTenant;
  /** 1 on the first attempt of this step in this run. */
  readonly attempt: number;
  readonly log: Logger;
  /** Named point inside a step (`applied`, `sent`…); the crash hook of the tests can stop the process there. */
  checkpoint(name: string): void;
}

export type StepResult<O> =
  | { readonly status: 'succeeded'; readonly output: O; readonly message?: string }
  | { readonly status: 'skipped'; readonly reason: string; readonly output?: O };

export interface StepHandler<I = unknown, O = unknown> {
  readonly name: ProvisioningStep;
  /** Gathers the typed input; throws PermanentStepError when it cannot exist (e.g. an invalid tenant). */
  input(ctx: StepContext): Promise<I>;
  run(input: I, ctx: StepContext): Promise<StepResult<O>>;
}

export const succeeded = <O>(output: O, message?: string): StepResult<O> => ({
  status: 'succeeded',
  output,
  message,
});
export const skipped = <O>(reason: string, output?: O): StepResult<O> => ({
  status: 'skipped',
  reason,
  output,
});

/** A step of any input type, as the registry holds them; the runner feeds each its own input. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the input type differs per step by design
export type AnyStepHandler = StepHandler<any, unknown>;
