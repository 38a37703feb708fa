/** Domain errors of the provisioning pipeline. None is HTTP-aware; the admin API maps them. */
import type { ProvisioningStep } from '@cw/tenant-model';
import { formatEnvProblems, type EnvProblem } from '@cw/observability/env';

/** A step failure that retrying cannot fix (invalid tenant, timeout already waited out): fail the run now. */
export class PermanentStepError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentStepError';
  }
}

/**
 * The Tenant cannot be rendered yet because bindings only the applied infrastructure knows are
 * missing (the Azure workload identity's clientId, a dedicated AWS collection endpoint). With the
 * gitops executor nothing is applied here, so this is a waiting state, not a failure.
 */
export class PendingBindingsError extends Error {
  constructor(readonly paths: readonly string[]) {
    super(`waiting for the infrastructure pipeline to report ${paths.join(', ')}`);
    this.name = 'PendingBindingsError';
  }
}

/** Configuration problems found at start, naming each variable to fix (all of them at once). */
export class ProvisioningConfigError extends Error {
  readonly problems: readonly EnvProblem[];

  constructor(
    /** The first (often only) variable to fix. */
    readonly variable: string,
    message: string,
    problems?: readonly EnvProblem[],
  ) {
    const all = problems?.length ? problems : [{ variable, message }];
    super(
      all.length === 1
        ? `${all[0]!.variable}: ${all[0]!.message}`
        : `${all.length} configuration problems:\n${formatEnvProblems(all)}`,
    );
    this.name = 'ProvisioningConfigError';
    this.problems = all;
  }

  static of(problems: readonly EnvProblem[]): ProvisioningConfigError {
    return new ProvisioningConfigError(problems[0]!.variable, problems[0]!.message, problems);
  }
}

export class MissingStepHandlerError extends Error {
  constructor(readonly steps: readonly ProvisioningStep[]) {
    super(
      `no handler registered for step${steps.length > 1 ? 's' : ''} ${steps.join(', ')}; the provisioner refuses to start`,
    );
    this.name = 'MissingStepHandlerError';
  }
}

/**
 * Not-found errors are the database's own (one class each across the control plane and the
 * pipeline, so the admin API maps them once); `@cw/db/errors` loads none of the database code.
 */
export { RunNotFoundError, TenantNotFoundError } from '@cw/db/errors';

/** retryFromFailedStep on a tenant whose latest run did not fail. */
export class NothingToRetryError extends Error {
  constructor(
    readonly tenantId: string,
    reason: string,
  ) {
    super(`nothing to retry for tenant ${tenantId}: ${reason}`);
    this.name = 'NothingToRetryError';
  }
}

/** waitForTenant gave up; carries what was last seen so the step can say why. */
export class WaitTimeoutError extends Error {
  constructor(
    message: string,
    readonly lastSeen: unknown,
  ) {
    super(message);
    this.name = 'WaitTimeoutError';
  }
}

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
