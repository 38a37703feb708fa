import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, userHash } from '@cw/mcp-gate';
import { MANAGER, startCerebro, type CerebroHarness } from './support/cerebro.harness.js';

describe('Admin → Audit log', () => {
  let h: CerebroHarness;
  beforeEach(async () => {
    h = await startCerebro({
      engines: [
        {
          name: 'main',
          mcpUrl: 'http://engine-main.tenant-acme.svc:5001/mcp',
          dashboardUrl: 'http://engine-main.tenant-acme.svc:5000',
          plugins: [],
        },
      ],
    });
  });
  afterEach(async () => h.stop());

  it("shows cerebro's rows and the engines' tool calls, filtered by action/tool and time, ids hashed", async () => {
    const log = new AuditLog(h.store);
    const at = (secondsAgo: number) => new Date(h.clock.now.getTime() - secondsAgo * 1000).toISOString();
    const who = userHash('salt', 'ana');
    await log.write({
      at: at(60),
      engine: 'main',
      userHash: who,
      tool: 'payments.charge',
      decision: 'refuse',
      reason: 'read_only',
      result: 'refused',
      latencyMs: 3,
      correlationId: 'c1',
    });
    await log.write({
      at: at(7200),
      engine: 'main',
      userHash: who,
      tool: 'github.list',
      decision: 'allow',
      reason: 'ok',
      result: 'ok',
      latencyMs: 12,
      correlationId: 'c2',
    });
    const boss = await h.signedIn(MANAGER, 'manager');
    const all = await boss.get('/admin/audit');
    expect(all.text).toContain('payments.charge');
    expect(all.text).toContain('github.list');
    expect(all.text).toContain('sign-in'); // cerebro's own row for the manager
    expect(all.text).not.toContain(MANAGER);
    const filtered = await boss.get('/admin/audit?action=payments&hours=1');
    expect(filtered.text).toContain('payments.charge');
    expect(filtered.text).not.toContain('github.list');
    expect(filtered.text).toContain('read_only');
    const viewer = await h.signedIn('ana@acme.test');
    expect((await viewer.get('/admin/audit')).status).toBe(403);
  });
});
