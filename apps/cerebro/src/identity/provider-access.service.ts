/**
 * Provider support access: off by default; a manager switches it on for a limited time and names
 * the role support staff get. Each support sign-in is recorded with name and time for the
 * tenant's managers (the audit trail itself carries only hashed ids).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { defineCollection } from '@cw/tenant-store';
import { CEREBRO_ROLES } from '@cw/tenant-model';
import type { Role } from '@cw/identity';
import type { CerebroDeps } from '../deps.js';
import { audit } from '../audit/audit.js';
import { InputError } from '../http/errors.js';
import { PROVIDER_GRANT, SETTINGS_PARTITION, type ProviderGrant } from '../store/collections.js';

const VISITS = defineCollection(
  'cerebro_provider_visits',
  z.object({ at: z.string(), email: z.string(), displayName: z.string(), role: z.enum(CEREBRO_ROLES) }),
);
export type ProviderVisit = z.output<typeof VISITS.schema>;
export const MAX_GRANT_HOURS = 72;

export class ProviderAccessService {
  constructor(private readonly deps: CerebroDeps) {}

  async grant(): Promise<ProviderGrant | undefined> {
    return (await this.deps.store.collection(PROVIDER_GRANT).get(SETTINGS_PARTITION, 'provider-access'))
      ?.value;
  }

  /** The grant if it is on and not past its end. */
  async activeGrant(): Promise<ProviderGrant | undefined> {
    const g = await this.grant();
    return g && g.enabled && g.until > this.deps.now().toISOString() ? g : undefined;
  }

  async set(
    input: { enabled: boolean; role: unknown; hours: unknown },
    managerId: string,
  ): Promise<ProviderGrant> {
    const role =
      typeof input.role === 'string' && (CEREBRO_ROLES as readonly string[]).includes(input.role)
        ? (input.role as Role)
        : undefined;
    if (input.enabled && !role) throw new InputError('role', `must be one of ${CEREBRO_ROLES.join(', ')}`);
    const hours = Number(input.hours ?? 0);
    if (input.enabled && (!Number.isInteger(hours) || hours < 1 || hours > MAX_GRANT_HOURS)) {
      throw new InputError('hours', `must be a whole number from 1 to ${MAX_GRANT_HOURS}`);
    }
    const now = this.deps.now();
    const grant: ProviderGrant = {
      enabled: input.enabled,
      role: role ?? 'viewer',
      until: input.enabled ? new Date(now.getTime() + hours * 3_600_000).toISOString() : now.toISOString(),
      grantedBy: managerId,
      grantedAt: now.toISOString(),
    };
    await this.deps.store.collection(PROVIDER_GRANT).put(SETTINGS_PARTITION, 'provider-access', grant);
    await audit(this.deps, {
      action: input.enabled ? 'provider-access.granted' : 'provider-access.revoked',
      actor: managerId,
      outcome: 'ok',
      reason: input.enabled ? `${grant.role} until ${grant.until}` : undefined,
    });
    return grant;
  }

  async recordVisit(visit: Omit<ProviderVisit, 'at'>): Promise<void> {
    const at = this.deps.now().toISOString();
    await this.deps.store
      .collection(VISITS)
      .create('visits', `${at}-${randomBytes(4).toString('hex')}`, { ...visit, at });
  }

  async visits(limit = 50): Promise<ProviderVisit[]> {
    const { items } = await this.deps.store.collection(VISITS).query('visits', { order: 'desc', limit });
    return items.map((i) => i.value);
  }
}
