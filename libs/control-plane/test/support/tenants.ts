/** Tenants for the integration tests of the use cases: any state, a minimal valid spec. */
import { validateTenantSpec, type TenantState } from '@cw/tenant-model';
import type { Repositories, TenantRecord } from '@cw/db';

/** `create(state)` makes `<prefix>-1`, `<prefix>-2`, … in the database `db()` returns (opened in beforeAll). */
export function tenantFactory(
  db: () => Repositories,
  prefix: string,
): (state: TenantState) => Promise<TenantRecord> {
  let n = 0;
  return async (state) => {
    const i = ++n;
    const slug = `${prefix}-${i}`;
    const spec = validateTenantSpec({
      displayName: `${prefix.toUpperCase()} ${i}`,
      plan: 'starter',
      seats: 2,
      cloud: { provider: 'local', region: 'local' },
      hostname: `${slug}.localtest.me`,
    });
    if (!spec.ok) throw new Error('bad fixture');
    return db().tenants.create({
      slug,
      spec: spec.value,
      adminEmail: `${prefix}${i}@example.com`,
      correlationId: `corr-${prefix}-${i}`,
      billingMode: 'stripe',
      state,
    });
  };
}
