/**
 * Policy limits and approvals against PostgreSQL (the tenant store's default adapter): limits at
 * org, group and user level with the org ceiling; a call above the approval threshold parks,
 * a manager approves it through the approvals API, the requester runs it exactly once with the
 * original arguments; rejection, expiry and replay are refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVALS } from '@cw/mcp-gate';
import { openTenantStore, type TenantStore } from '@cw/tenant-store';
import { startHarness, TENANT, textOf, USERS, type Harness } from './support/harness.js';

let h: Harness;
let store: TenantStore;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-engine-pg-'));
  const urlFile = join(dir, 'url');
  writeFileSync(urlFile, 'postgres://postgres@127.0.0.1:5432/test');
  const schema = `engine_appr_${process.pid}_${Date.now().toString(36)}`;
  store = await openTenantStore({ kind: 'postgres', urlFile, schema }, { tenant: TENANT });
  h = await startHarness({ store });
});
afterAll(async () => {
  await h?.close();
  await store?.dropTenantData().catch(() => undefined);
  await store?.close();
});

const approvalsUrl = () => h.engine.mcpUrl.replace(/\/mcp$/, '/approvals');
async function decide(id: string, verdict: 'approve' | 'reject', who = USERS.manager) {
  return fetch(`${approvalsUrl()}/${id}/${verdict}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await h.token(who)}` },
  });
}
const pendingId = (text: string) => /^pending approval (apr_[A-Za-z0-9_-]+)/.exec(text)?.[1];

describe('policy limits', () => {
  const charge = async (who: (typeof USERS)[keyof typeof USERS], amount: number) =>
    textOf(await (await h.connect(who)).callTool({ name: 'payments.charge', arguments: { amount } }));

  it('the plugin default applies (amount ≤ 100)', async () => {
    expect(await charge(USERS.developer, 150)).toMatch(
      /^refused: limit: payments.charge.amount is above the default limit of 100/,
    );
  });

  it('org, group and user levels: the most specific wins', async () => {
    const p = h.engine.gate.policies;
    await p.setLimitPolicy({
      tool: 'payments.charge',
      scope: { level: 'org' },
      rules: [{ argument: 'amount', max: 20, approvalAbove: 1000 }],
    });
    expect(await charge(USERS.developer, 30)).toMatch(/above the org limit of 20/);
    await p.setLimitPolicy({
      tool: 'payments.charge',
      scope: { level: 'group', groupId: 'staff' },
      rules: [{ argument: 'amount', max: 40 }],
    });
    expect(await charge(USERS.developer, 30)).toMatch(/^charged 30 usd/);
    expect(await charge(USERS.developer, 45)).toMatch(/above the group limit of 40/);
    await p.setLimitPolicy({
      tool: 'payments.charge',
      scope: { level: 'user', userId: USERS.developer.sub },
      rules: [{ argument: 'amount', max: 60 }],
    });
    expect(await charge(USERS.developer, 45)).toMatch(/^charged 45 usd/);
    expect(await charge(USERS.sqa, 45)).toMatch(/above the group limit of 40/);
  });

  it('an org ceiling caps every more specific level', async () => {
    const p = h.engine.gate.policies;
    await p.setLimitPolicy({
      tool: 'payments.charge',
      scope: { level: 'org' },
      rules: [{ argument: 'amount', max: 35, approvalAbove: 1000 }],
      ceiling: true,
    });
    expect(await charge(USERS.developer, 45)).toMatch(/above the org limit of 35/);
    expect(await charge(USERS.developer, 30)).toMatch(/^charged 30 usd/);
    await p.deleteLimitPolicy('payments.charge', { level: 'org' });
    await p.deleteLimitPolicy('payments.charge', { level: 'group', groupId: 'staff' });
    await p.deleteLimitPolicy('payments.charge', { level: 'user', userId: USERS.developer.sub });
  });
});

describe('approvals', () => {
  it('park → approve → runs once with the original arguments; a replay is refused', async () => {
    const dev = await h.connect(USERS.developer);
    const parked = textOf(
      await dev.callTool({
        name: 'payments.charge',
        arguments: { amount: 75, description: 'approved order' },
      }),
    );
    const id = pendingId(parked);
    expect(id, parked).toBeTruthy();
    const before = h.stripe.payments.intents.size;
    // Nothing ran yet, and the requester cannot run it before a manager decides.
    expect(textOf(await dev.callTool({ name: 'approvals.run', arguments: { approvalId: id } }))).toMatch(
      /^refused: approval: .*still waiting/,
    );
    expect(h.stripe.payments.intents.size).toBe(before);

    const list = (await (
      await fetch(`${approvalsUrl()}?status=pending`, {
        headers: { authorization: `Bearer ${await h.token(USERS.manager)}` },
      })
    ).json()) as {
      approvals: Array<{ id: string; tool: string; args: Record<string, unknown> }>;
    };
    expect(list.approvals).toContainEqual(
      expect.objectContaining({ id, tool: 'payments.charge', args: expect.objectContaining({ amount: 75 }) }),
    );
    expect(JSON.stringify(list)).not.toContain(USERS.developer.email);

    expect((await decide(id!, 'approve', USERS.developer)).status).toBe(403);
    expect((await decide(id!, 'approve')).status).toBe(200);
    expect((await decide(id!, 'approve')).status).toBe(409);

    // Someone else cannot run the developer's approved call.
    const other = await h.connect(USERS.sqa);
    expect(textOf(await other.callTool({ name: 'approvals.run', arguments: { approvalId: id } }))).toMatch(
      /^refused: approval: .*does not exist for you/,
    );

    const ran = await dev.callTool({ name: 'approvals.run', arguments: { approvalId: id } });
    expect(textOf(ran)).toMatch(/^charged 75 usd/);
    expect(h.stripe.payments.intents.size).toBe(before + 1);
    expect([...h.stripe.payments.intents.values()].at(-1)).toMatchObject({
      amount: 7500,
      description: 'approved order',
    });

    const replay = await dev.callTool({ name: 'approvals.run', arguments: { approvalId: id } });
    expect(textOf(replay)).toMatch(/^refused: approval: .*already run \(a replay is refused\)/);
    expect(h.stripe.payments.intents.size).toBe(before + 1);
  });

  it('two concurrent runs of one approval: exactly one charges', async () => {
    const dev = await h.connect(USERS.developer);
    const id = pendingId(textOf(await dev.callTool({ name: 'payments.charge', arguments: { amount: 60 } })))!;
    expect((await decide(id, 'approve')).status).toBe(200);
    const before = h.stripe.payments.intents.size;
    const results = await Promise.all(
      [1, 2, 3].map(() => dev.callTool({ name: 'approvals.run', arguments: { approvalId: id } })),
    );
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    expect(h.stripe.payments.intents.size).toBe(before + 1);
  });

  it('a rejected call never runs', async () => {
    const dev = await h.connect(USERS.developer);
    const id = pendingId(textOf(await dev.callTool({ name: 'payments.charge', arguments: { amount: 70 } })))!;
    expect((await decide(id, 'reject', USERS.manager2)).status).toBe(200);
    const before = h.stripe.payments.intents.size;
    expect(textOf(await dev.callTool({ name: 'approvals.run', arguments: { approvalId: id } }))).toMatch(
      /^refused: approval: .*was rejected/,
    );
    expect(h.stripe.payments.intents.size).toBe(before);
  });

  it('an expired approval can be neither approved nor run', async () => {
    const dev = await h.connect(USERS.developer);
    const id = pendingId(textOf(await dev.callTool({ name: 'payments.charge', arguments: { amount: 80 } })))!;
    const approvals = store.collection(APPROVALS);
    const item = (await approvals.get('main', id))!;
    await approvals.put('main', id, { ...item.value, expiresAt: new Date(Date.now() - 1000).toISOString() });
    const res = await decide(id, 'approve');
    expect(res.status).toBe(409);
    expect(((await res.json()) as { message: string }).message).toMatch(/expired/);

    const id2 = pendingId(
      textOf(await dev.callTool({ name: 'payments.charge', arguments: { amount: 81 } })),
    )!;
    expect((await decide(id2, 'approve')).status).toBe(200);
    const item2 = (await approvals.get('main', id2))!;
    await approvals.put('main', id2, {
      ...item2.value,
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    const before = h.stripe.payments.intents.size;
    expect(textOf(await dev.callTool({ name: 'approvals.run', arguments: { approvalId: id2 } }))).toMatch(
      /^refused: approval: .*expired/,
    );
    expect(h.stripe.payments.intents.size).toBe(before);
  });

  it('approvals and policies survive an engine restart (they live in the store)', async () => {
    const dev = await h.connect(USERS.developer);
    const id = pendingId(textOf(await dev.callTool({ name: 'payments.charge', arguments: { amount: 90 } })))!;
    await h.close();
    h = await startHarness({ store });
    const list = (await (
      await fetch(`${approvalsUrl()}?status=pending`, {
        headers: { authorization: `Bearer ${await h.token(USERS.manager)}` },
      })
    ).json()) as {
      approvals: Array<{ id: string }>;
    };
    expect(list.approvals.map((a) => a.id)).toContain(id);
  });
});
