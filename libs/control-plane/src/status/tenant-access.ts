/** Which tenant a customer session may see: the ones named in its groups (`tenant:<id>`). */
import type { Database, TenantRecord } from '@cw/db';
import { NotAuthenticatedError } from '../errors.js';
import { tenantIdsOf, type SessionPayload } from '../session/session-cookie.js';

export async function tenantForSession(
  db: Database,
  session: SessionPayload | undefined,
  tenantId?: string,
): Promise<TenantRecord> {
  if (!session?.authenticated) throw new NotAuthenticatedError();
  const allowed = tenantIdsOf(session);
  const id = tenantId ?? allowed[0];
  if (!id || !allowed.includes(id))
    throw new NotAuthenticatedError('this session does not give access to that tenant');
  const tenant = await db.tenants.findById(id);
  if (!tenant) throw new NotAuthenticatedError('the tenant of this session no longer exists');
  return tenant;
}

/**
 * The admin e-mail of a tenant that still has one. Only an expired sign-up (state `deleted`) has
 * it erased, and no use case mails or bills a deleted tenant: reaching this without one is a bug.
 */
export function adminEmailOf(tenant: TenantRecord): string {
  if (tenant.adminEmail === null)
    throw new Error(
      `tenant ${tenant.id} (${tenant.state}) has no admin e-mail: it was erased when its sign-up expired`,
    );
  return tenant.adminEmail;
}
