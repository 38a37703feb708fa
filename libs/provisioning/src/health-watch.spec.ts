import { describe, expect, it } from 'vitest';
import { harness } from './fakes.spec-helper.js';
import { TenantHealthWatcher } from './health-watch.js';
import { startRun } from './usecases/start-run.usecase.js';

describe('TenantHealthWatcher', () => {
  it('records health_changed events when Ready/Degraded change after provisioning, once per change', async () => {
    const h = harness();
    const tenant = h.store.addTenant({ slug: 'watched' });
    await startRun(h.deps, {
      tenantId: tenant.id,
      goal: 'provision',
      correlationId: 'c',
      idempotencyKey: 'p',
    });
    await h.queue.drain(h.runner);
    const watcher = new TenantHealthWatcher({ cluster: h.cluster!, store: h.store, log: h.deps.log });
    await watcher.start();
    await watcher.idle();
    h.cluster!.setStatus('watched', false, 'engine-main: 0/1 ready');
    h.cluster!.setStatus('watched', false, 'engine-main: 0/1 ready (still)');
    await watcher.idle();
    h.cluster!.setStatus('watched', true);
    await watcher.idle();
    await watcher.stop();
    const health = h.store.events.filter((e) => e.event === 'health_changed').map((e) => e.request.detail);
    expect(health).toEqual([
      expect.objectContaining({ ready: true, phase: 'Ready' }),
      expect.objectContaining({
        ready: false,
        phase: 'Degraded',
        message: 'Ready=False WorkloadsNotReady: engine-main: 0/1 ready',
      }),
      expect.objectContaining({ ready: true, phase: 'Ready' }),
    ]);
    expect(h.store.tenants.get(tenant.id)!.state).toBe('active');
  });
});
