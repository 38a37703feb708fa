/** A minimal valid Tenant for tests and examples; override fields per case. */
import { TENANT_API_VERSION, TENANT_KIND } from './constants.js';

export function sampleTenant(
  overrides: { name?: string; spec?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    apiVersion: TENANT_API_VERSION,
    kind: TENANT_KIND,
    metadata: { name: overrides.name ?? 'acme' },
    spec: {
      displayName: 'Acme',
      plan: 'team',
      seats: 10,
      cloud: { provider: 'aws', region: 'eu-west-1' },
      hostname: 'acme.contextweaver.app',
      ...overrides.spec,
    },
  };
}
