// Every admin route × every role, generated from ADMIN_ROUTES: allowed (anything but 401/403) or
// refused with 403 (401 without a token), each refusal audited. Plus the inventory: every route
// the app serves under /admin is in the table or is part of the sign-in, and every table entry is
// served — a new route cannot be left unguarded or undocumented.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, roleRank, type Role } from '@cw/identity';
import { ADMIN_ROUTES, expressPath } from '../../src/admin/admin-routes.js';
import { ADMIN_AUTH_FLOW_ROUTES } from '../../src/admin/admin-login.controller.js';
import { startAdminHarness, type AdminHarness } from './support/admin-harness.js';

let h: AdminHarness;
const tokens = new Map<Role | 'none', string | undefined>();
beforeAll(async () => {
  h = await startAdminHarness('rolematrix');
  tokens.set('none', undefined);
  for (const role of ROLES) tokens.set(role, await h.token([role]));
});
afterAll(async () => h?.close());

// A tenant that does not exist: an allowed state change then answers 404 and changes nothing.
const concrete = (path: string) => path.replace('{tenant}', 'no-such-tenant');
const bodyFor = (operationId: string) =>
  operationId === 'offboardTenant'
    ? { confirm: 'no-such-tenant' }
    : operationId === 'changeTenantPlan'
      ? { seats: 5 }
      : {};

describe('role matrix', () => {
  const cases = ADMIN_ROUTES.flatMap((route) =>
    (['none', ...ROLES] as const).map((role) => ({ route, role })),
  );

  it.each(cases.map((c) => [`${c.route.method} ${c.route.path} as ${c.role}`, c] as const))(
    '%s',
    async (_name, { route, role }) => {
      const before = (await h.audit()).length;
      const reply = await h.call(route.method, concrete(route.path), {
        token: tokens.get(role),
        body: route.method === 'POST' ? bodyFor(route.operationId) : undefined,
      });
      const allowed = role !== 'none' && roleRank(role) >= roleRank(route.minRole);
      if (allowed) {
        expect([401, 403], reply.text).not.toContain(reply.status);
        expect(reply.status).toBeLessThan(500);
      } else {
        expect(reply.status).toBe(role === 'none' ? 401 : 403);
        const rows = await h.audit();
        expect(rows.length).toBe(before + 1);
        expect(rows[0]).toMatchObject({
          action: route.operationId,
          outcome: 'denied',
          details: { status: reply.status },
        });
      }
    },
  );

  it('makes every state change a manager action and every read a viewer action', () => {
    for (const route of ADMIN_ROUTES)
      expect(`${route.operationId}:${route.minRole}`).toBe(
        `${route.operationId}:${route.method === 'GET' ? 'viewer' : 'manager'}`,
      );
  });
});

describe('route inventory', () => {
  it('serves exactly the table under /admin/v1, and only the sign-in besides it under /admin', () => {
    const router = (
      h.app.getHttpAdapter().getInstance() as {
        router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
      }
    ).router;
    const served = router.stack
      .filter((layer) => layer.route?.path.startsWith('/admin'))
      .flatMap((layer) =>
        Object.keys(layer.route!.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path}`),
      );
    const expected = [
      ...ADMIN_ROUTES.map((r) => `${r.method} ${expressPath(r.path)}`),
      ...ADMIN_AUTH_FLOW_ROUTES,
    ];
    expect(served.sort()).toEqual(expected.sort());
  });
});
