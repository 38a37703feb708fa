import { describe, expect, it } from 'vitest';
import { harness } from '../fakes.spec-helper.js';
import { startRun } from './start-run.usecase.js';
import { dryRun } from './dry-run.usecase.js';

describe('dry run', () => {
  it('shows what a never-applied tenant would add', async () => {
    const h = harness();
    const tenant = h.store.addTenant({ slug: 'fresh' });
    const preview = await dryRun(h.deps, tenant.id);
    expect(preview.infra.added.length).toBeGreaterThan(0);
    expect(preview.kubernetes.added).toContain('platform.contextweaver.io/v1alpha1/Tenant/fresh');
    expect(preview.kubernetes.added).toContain('v1/Namespace/tenant-fresh');
    expect(preview.infra.removed).toEqual([]);
    expect(preview.lastApplied).toEqual({});
  });

  it('diffs against the last applied artifacts, changes nothing, and ignores the correlation id', async () => {
    const h = harness();
    const tenant = h.store.addTenant({ slug: 'acme', plan: 'team', seats: 5 });
    await startRun(h.deps, {
      tenantId: tenant.id,
      goal: 'provision',
      correlationId: 'c1',
      idempotencyKey: 'p',
    });
    await h.queue.drain(h.runner);

    const unchanged = await dryRun(h.deps, tenant.id);
    expect(unchanged.infra).toEqual({ added: [], removed: [], changed: [], fields: {} });
    expect(unchanged.kubernetes).toEqual({ added: [], removed: [], changed: [], fields: {} });

    const before = await h.artifacts.read('acme', 'tenant.yaml');
    h.store.setSpec(tenant.id, { plan: 'enterprise', seats: 40, isolation: 'dedicated' });
    const preview = await dryRun(h.deps, tenant.id);
    expect(preview.kubernetes.changed).toContain('platform.contextweaver.io/v1alpha1/Tenant/acme');
    expect(preview.kubernetes.fields['platform.contextweaver.io/v1alpha1/Tenant/acme']).toEqual(
      expect.arrayContaining(['spec.plan', 'spec.seats', 'spec.isolation']),
    );
    expect(preview.kubernetes.changed).toContain('v1/ResourceQuota/tenant-acme/tenant-quota');
    // dedicated isolation gives the tenant its own cloud resources
    expect(
      preview.infra.added.length + preview.infra.changed.length + preview.infra.removed.length,
    ).toBeGreaterThan(0);
    // Nothing was written, applied or enqueued.
    expect(await h.artifacts.read('acme', 'tenant.yaml')).toBe(before);
    expect(h.cluster!.tenants.get('acme')!.spec.plan).toBe('team');
    expect([...h.queue.jobs.values()].every((j) => j.state === 'completed')).toBe(true);
  });
});
