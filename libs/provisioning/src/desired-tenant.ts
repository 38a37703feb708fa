/**
 * The Tenant object the pipeline wants in the cluster: the control plane's desired spec, the
 * bindings the infrastructure produced, the suspension the goal implies and the correlation id
 * of the run. Validated by libs/tenant-model, so an invalid tenant never reaches the cluster.
 */
import {
  ANNOTATION_CORRELATION_ID,
  FINALIZER,
  LABEL_MANAGED_BY,
  LABEL_PLAN,
  LABEL_TENANT,
  TENANT_API_VERSION,
  TENANT_KIND,
  TenantValidationError,
  onboardingAnnotations,
  parseTenant,
  type ProvisioningGoal,
  type Tenant,
  type TenantBindings,
  type TenantOnboarding,
  type TenantSpecInput,
} from '@cw/tenant-model';
import { PermanentStepError } from './errors.js';
import type { ProvisioningTenant } from './ports.js';

export const MANAGED_BY = 'cw-provisioner';

export interface DesiredTenantOptions {
  readonly bindings?: TenantBindings;
  readonly goal: ProvisioningGoal;
  readonly correlationId?: string;
  /** The tenant's onboarding (onboarding.json): its annotations, which the engines receive. */
  readonly onboarding?: TenantOnboarding;
}

/** Suspension follows the goal; goals that do not decide it keep the tenant's current state. */
export const suspendedFor = (goal: ProvisioningGoal, tenant: ProvisioningTenant): boolean =>
  goal === 'suspend' ? true : goal === 'resume' ? false : tenant.state === 'suspended';

export function desiredTenant(tenant: ProvisioningTenant, options: DesiredTenantOptions): Tenant {
  const spec = tenant.spec;
  const object = {
    apiVersion: TENANT_API_VERSION,
    kind: TENANT_KIND,
    metadata: {
      name: tenant.slug,
      labels: { [LABEL_TENANT]: tenant.slug, [LABEL_PLAN]: spec.plan, [LABEL_MANAGED_BY]: MANAGED_BY },
      // The operator's finalizer from the first write: the operator need not add it (one write
      // less per tenant), and a Tenant deleted before the operator saw it still gets cleaned up.
      finalizers: [FINALIZER],
      ...(options.correlationId || options.onboarding
        ? {
            annotations: {
              ...(options.correlationId ? { [ANNOTATION_CORRELATION_ID]: options.correlationId } : {}),
              ...(options.onboarding ? onboardingAnnotations(options.onboarding) : {}),
            },
          }
        : {}),
    },
    spec: {
      ...spec,
      bindings: mergeBindings(spec.bindings, options.bindings),
      suspended: suspendedFor(options.goal, tenant),
    },
  };
  try {
    return parseTenant(object);
  } catch (error) {
    if (error instanceof TenantValidationError) {
      throw new PermanentStepError(`the tenant "${tenant.slug}" is not valid: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Bindings from the infrastructure win over anything in the stored spec: they are facts. Except
 * the vault's `signingKeys`, which no stack produces: the control plane's key rotation keeps them
 * in the desired spec (ADR 0004), so they survive the stack's vault binding replacing the stored one.
 */
export function mergeBindings(
  stored: TenantSpecInput['bindings'],
  infra: TenantBindings | undefined,
): TenantBindings {
  const merged = { ...(stored ?? {}), ...(infra ?? {}) } as TenantBindings;
  const signingKeys = stored?.vault?.signingKeys;
  if (infra?.vault && signingKeys) merged.vault = { ...infra.vault, signingKeys: [...signingKeys] };
  return merged;
}

/** Cloud provider `local` has no cloud stack: infrastructure steps are skipped. */
export const hasCloudStack = (tenant: ProvisioningTenant): boolean => tenant.spec.cloud.provider !== 'local';
export const NO_CLOUD_STACK = 'cloud provider "local" has no cloud stack';
