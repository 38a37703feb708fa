/**
 * Tenant health after provisioning: a watch on every Tenant turns changes of Ready/Degraded (and
 * the phase) into `health_changed` events of the tenant, so drift or failures later in life show
 * up in the control plane, which never reads the cluster itself.
 */
import type { Logger } from '@cw/observability';
import { canTransition, type Tenant } from '@cw/tenant-model';
import type { ClusterGateway, RunStore, TenantHealth } from './ports.js';
import { condition, lastWord } from './steps/await-ready.step.js';

export const healthOf = (tenant: Tenant): TenantHealth => ({
  phase: tenant.status?.phase,
  ready: condition(tenant, 'Ready')?.status === 'True',
  degraded: condition(tenant, 'Degraded')?.status === 'True',
  message: lastWord(tenant),
});

const healthKey = (h: TenantHealth): string => `${h.phase ?? ''}/${h.ready}/${h.degraded}`;

export class TenantHealthWatcher {
  private readonly seen = new Map<string, string>();
  private chain: Promise<void> = Promise.resolve();
  private watch?: { stop(): Promise<void> | void };

  constructor(private readonly deps: { cluster: ClusterGateway; store: RunStore; log: Logger }) {}

  async start(): Promise<void> {
    this.watch = await this.deps.cluster.watchTenants(({ type, tenant }) => {
      const slug = tenant.metadata.name;
      if (type === 'DELETED') {
        this.seen.delete(slug);
        return;
      }
      if (!tenant.status) return;
      const health = healthOf(tenant);
      const key = healthKey(health);
      if (this.seen.get(slug) === key) return;
      this.seen.set(slug, key);
      // One at a time: events of one tenant are recorded in the order they happened.
      this.chain = this.chain
        .then(() => this.record(slug, health))
        .catch((err) => this.deps.log.warn({ err, slug }, 'health not recorded'));
    });
  }

  /** Resolves once every health change seen so far is recorded. */
  idle(): Promise<void> {
    return this.chain;
  }

  async stop(): Promise<void> {
    await this.watch?.stop();
    await this.chain;
  }

  private async record(slug: string, health: TenantHealth): Promise<void> {
    const { store, log } = this.deps;
    const tenant = await store.findTenantBySlug(slug);
    // Provisioning runs report their own outcome; health is news only for running tenants.
    if (!tenant || !canTransition(tenant.state, 'health_changed')) return;
    const recorded = await store.recordHealth(tenant.id, health, {
      actor: { kind: 'system', reason: 'Tenant status changed in the cluster' },
      detail: { ...health },
    });
    if (recorded) log.info({ tenantId: tenant.id, ...health }, 'tenant health changed');
  }
}
