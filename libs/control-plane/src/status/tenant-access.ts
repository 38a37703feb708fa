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
