import { ANNOTATION_ONBOARDING_CORRELATION_ID, ANNOTATION_ONBOARDING_SINCE } from './constants.js';

/** The onboarding a Tenant carries (its two onboarding annotations), as the engines receive it. */
export interface TenantOnboarding {
  /** The provision run's correlation id: the trace every onboarding span of the tenant joins. */
  readonly correlationId: string;
  /** Checkout completed (the provision run's creation), ISO 8601. */
  readonly since: string;
}

/** Longest correlation id the engine accepts (CW_ONBOARDING_CORRELATION_ID). */
export const ONBOARDING_CORRELATION_ID_MAX = 128;

/** The annotations that say it. */
export const onboardingAnnotations = (o: TenantOnboarding): Record<string, string> => ({
  [ANNOTATION_ONBOARDING_CORRELATION_ID]: o.correlationId,
  [ANNOTATION_ONBOARDING_SINCE]: o.since,
});

/**
 * The onboarding of a Tenant, or undefined when it carries none (a tenant provisioned before the
 * annotations existed, or created by hand) or a value the engine would refuse: half an onboarding
 * is none, never a reason not to render.
 */
export function tenantOnboarding(tenant: {
  metadata: { annotations?: Record<string, string> | undefined };
}): TenantOnboarding | undefined {
  const a = tenant.metadata.annotations ?? {};
  const correlationId = a[ANNOTATION_ONBOARDING_CORRELATION_ID]?.trim();
  const since = a[ANNOTATION_ONBOARDING_SINCE]?.trim();
  if (!correlationId || !since || correlationId.length > ONBOARDING_CORRELATION_ID_MAX) return undefined;
  const at = Date.parse(since);
  if (Number.isNaN(at)) return undefined;
  return { correlationId, since: new Date(at).toISOString() };
}
