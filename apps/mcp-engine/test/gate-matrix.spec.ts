/**
 * Roles, switches and hot reload, end to end: the SDK's client over Streamable HTTP against a
 * running engine. The role × tool matrix is generated from the plugin's own metadata, so a new
 * tool is covered without touching this file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleRank, ROLES, type Role } from '@cw/mcp-gate';
import { startHarness, textOf, USERS, type Harness } from './support/harness.js';
// Loaded lazily, as the engine's plugin catalog loads plugins.
const { paymentsPlugin } = await import('@cw/plugin-payments');

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** Arguments each tool accepts (smallest valid call); refunds target a real charge made first. */
async function argsFor(tool: string): Promise<Record<string, unknown>> {
  if (tool === 'charge') return { amount: 5, currency: 'usd' };
  if (tool === 'refund') {
    const charged = h.stripe.payments.createPaymentIntent({
      amount: '500',
      currency: 'usd',
      confirm: 'true',
    });
    return { paymentIntent: charged.id as string, amount: 1 };
  }
  return {};
}

describe('role × tool matrix (from plugin metadata)', () => {
  for (const role of ROLES) {
    for (const tool of paymentsPlugin.tools) {
      const allowed = roleRank(role) >= roleRank(tool.minRole);
      it(`${role} ${allowed ? 'may' : 'may not'} call payments.${tool.name} (minRole ${tool.minRole})`, async () => {
        const client = await h.connect(USERS[role as Role]);
        const listed = (await client.listTools()).tools.map((t) => t.name);
        expect(listed.includes(`payments.${tool.name}`)).toBe(allowed);
        const result = await client.callTool({
          name: `payments.${tool.name}`,
          arguments: await argsFor(tool.name),
        });
        if (allowed) {
          expect(result.isError, textOf(result)).toBeFalsy();
        } else {
          expect(result.isError).toBe(true);
          expect(textOf(result)).toMatch(/^refused: role: /);
        }
      });
    }
  }
});

describe('engine switches', () => {
  it('charges through Stripe end to end and lists tools with their classification', async () => {
    const client = await h.connect(USERS.developer);
    const tools = (await client.listTools()).tools;
    expect(tools.find((t) => t.name === 'payments.balance')?.annotations?.readOnlyHint).toBe(true);
    const before = h.stripe.payments.intents.size;
    const result = await client.callTool({ name: 'payments.charge', arguments: { amount: 12.5 } });
    expect(textOf(result)).toMatch(/^charged 12.5 usd: pi_/);
    expect(h.stripe.payments.intents.size).toBe(before + 1);
    expect([...h.stripe.payments.intents.values()].at(-1)?.amount).toBe(1250);
  });

  it('refuses arguments that fail the schema with the field path, and nothing runs', async () => {
    const client = await h.connect(USERS.developer);
    const before = h.stripe.requests.length;
    const result = await client.callTool({
      name: 'payments.charge',
      arguments: { amount: 'lots', currency: 'US' },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^refused: invalid-arguments: amount: .*; currency: /);
    expect(h.stripe.requests.length).toBe(before);
  });

  it('read-only refuses every write and destructive tool, and any unclassified tool; reads still run', async () => {
    h.reconfigure({ readOnly: true });
    try {
      const client = await h.connect(USERS.manager);
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
        'payments.balance',
        'approvals.run',
      ]);
      for (const tool of paymentsPlugin.tools) {
        const result = await client.callTool({
          name: `payments.${tool.name}`,
          arguments: await argsFor(tool.name),
        });
        if ((tool.classification ?? 'write') === 'read') expect(result.isError, textOf(result)).toBeFalsy();
        else expect(textOf(result)).toMatch(/^refused: read-only: /);
      }
    } finally {
      h.reconfigure({ readOnly: false });
    }
  });

  it('maintenance refuses every call (hot-reloaded from the file, no restart) and lists nothing', async () => {
    const client = await h.connect(USERS.manager);
    h.reconfigure({ maintenance: true });
    try {
      expect((await client.listTools()).tools).toEqual([]);
      for (const tool of paymentsPlugin.tools) {
        const result = await client.callTool({ name: `payments.${tool.name}`, arguments: {} });
        expect(textOf(result)).toMatch(/^refused: maintenance: /);
      }
    } finally {
      h.reconfigure({ maintenance: false });
    }
    expect((await client.callTool({ name: 'payments.balance', arguments: {} })).isError).toBeFalsy();
  });

  it('a plugin removed from the config is refused at once', async () => {
    const client = await h.connect(USERS.manager);
    h.reconfigure({ plugins: [] });
    try {
      const result = await client.callTool({ name: 'payments.balance', arguments: {} });
      expect(textOf(result)).toMatch(/^refused: plugin-disabled: /);
    } finally {
      h.reconfigure({ plugins: ['payments'] });
    }
  });

  it('group ACL: a plugin limited to a group refuses others', async () => {
    await h.engine.gate.policies.setAccessRule({ target: 'payments.balance', groups: ['finance'] });
    try {
      const client = await h.connect(USERS.manager);
      expect(textOf(await client.callTool({ name: 'payments.balance', arguments: {} }))).toMatch(
        /^refused: group: /,
      );
      const finance = await h.connect({ ...USERS.viewer, sub: 'u-fin', groups: ['finance'] });
      expect((await finance.callTool({ name: 'payments.balance', arguments: {} })).isError).toBeFalsy();
    } finally {
      await h.engine.gate.policies.setAccessRule({ target: 'payments.balance', groups: [] });
    }
  });

  it('an invalid config change is ignored and the running config stays', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(h.configFile, JSON.stringify({ ...h.config(), plugins: ['slack'] }));
    h.engine.reloadConfig();
    expect(h.config().plugins).toEqual(['payments']);
    expect(h.logs.text()).toMatch(/engine config change ignored/);
    h.reconfigure({});
  });

  it('the dashboard shows tools with classification and minimum role, decisions with hashed ids only', async () => {
    const status = (await (await fetch(`${h.engine.dashboardUrl}/api/status`)).json()) as {
      tools: Array<{ name: string; classification: string; minRole: string }>;
      recent: Array<{ user: string }>;
    };
    expect(status.tools).toContainEqual(
      expect.objectContaining({ name: 'payments.refund', classification: 'destructive', minRole: 'manager' }),
    );
    expect(status.recent.length).toBeGreaterThan(0);
    const page = await (await fetch(h.engine.dashboardUrl)).text();
    for (const u of Object.values(USERS)) {
      expect(page).not.toContain(u.email);
      expect(page).not.toContain(u.sub);
    }
    expect((await fetch(`${h.engine.dashboardUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.engine.dashboardUrl}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${h.engine.dashboardUrl}/metrics`)).text();
    expect(metrics).toMatch(/cw_engine_tool_calls_total\{[^}]*tool="payments.charge"/);
  });
});
