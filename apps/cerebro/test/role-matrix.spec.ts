/**
 * The role matrix over every route of the table (hub rows included): anonymous → sign-in
 * redirect (GET) or 401; a role below the row's access → 403; at or above → the guard lets it
 * through (whatever the handler then answers for dummy ids). Cerebro's own rows must match the
 * expected access below, so a route cannot change its protection silently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '@cw/identity';
import type { Access } from '../src/http/route-table.js';
import { startCerebro, type CerebroHarness } from './support/cerebro.harness.js';

const EXPECTED: Record<string, Access> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'public',
  'GET /assets/cerebro.css': 'public',
  'GET /sign-in': 'public',
  'POST /sign-in/email': 'public',
  'GET /sign-in/link': 'public',
  'POST /sign-in/link': 'public',
  'GET /request-access': 'public',
  'POST /request-access': 'public',
  'GET /sign-in/idp': 'public',
  'GET /auth/callback': 'public',
  'GET /provider/sign-in': 'public',
  'GET /provider/callback': 'public',
  'POST /sign-out': 'signed-in',
  'POST /sign-out/everywhere': 'signed-in',
  'GET /': 'signed-in',
  'GET /groups': 'signed-in',
  'POST /groups': 'signed-in',
  'GET /groups/:groupId': 'signed-in',
  'POST /groups/:groupId/invite': 'signed-in',
  'POST /groups/:groupId/members/:userId/remove': 'signed-in',
  'POST /groups/:groupId/leave': 'signed-in',
  'POST /groups/:groupId/transfer': 'signed-in',
  'GET /credentials': 'signed-in',
  'POST /credentials/set': 'signed-in',
  'POST /credentials/delete': 'signed-in',
  'GET /admin': 'manager',
  'GET /admin/access-requests': 'manager',
  'POST /admin/access-requests/:userId/approve': 'manager',
  'POST /admin/access-requests/:userId/reject': 'manager',
  'GET /admin/users': 'manager',
  'POST /admin/users/:userId/role': 'manager',
  'POST /admin/users/:userId/disable': 'manager',
  'POST /admin/users/:userId/enable': 'manager',
  'POST /admin/users/:userId/sign-out': 'manager',
  'GET /admin/groups': 'manager',
  'GET /admin/engines': 'manager',
  'GET /admin/audit': 'manager',
  'GET /admin/provider-access': 'manager',
  'POST /admin/provider-access': 'manager',
};

const rank = (access: Access): number =>
  access === 'public' ? -1 : access === 'signed-in' ? 0 : ROLES.indexOf(access);
const concrete = (path: string) =>
  path
    .replace(/:groupId/g, 'g_0000')
    .replace(/:userId/g, `u_${'0'.repeat(32)}`)
    .replace(/:(\w+)/g, 'x-$1');

describe('role matrix over every route', () => {
  let h: CerebroHarness;
  beforeAll(async () => {
    h = await startCerebro();
  });
  afterAll(async () => h?.stop());

  it("cerebro's own routes have exactly the expected access", () => {
    const own = Object.fromEntries(
      h.booted.app.routes.routes
        .map((r) => [`${r.method} ${r.path}`, r.access] as const)
        .filter(([k]) => k in EXPECTED),
    );
    expect(own).toEqual(EXPECTED);
  });

  it('anonymous, viewer, developer, sqa and manager get what their role allows on every route', async () => {
    const failures: string[] = [];
    const who: Array<Role | 'anonymous'> = ['anonymous', ...ROLES];
    for (const route of h.booted.app.routes.routes) {
      if (route.access === 'public') continue;
      for (const role of who) {
        // A fresh session per call: some routes end the session they run in.
        const client = role === 'anonymous' ? h.client() : await h.signedIn(`m-${role}@acme.test`, role);
        if (role === 'anonymous') await client.get('/sign-in');
        const path = concrete(route.path);
        const res = route.method === 'GET' ? await client.get(path) : await client.post(path, {});
        let expected: string;
        if (role === 'anonymous') expected = route.method === 'GET' ? '303→/sign-in' : '401';
        else expected = ROLES.indexOf(role) >= rank(route.access) ? 'allowed' : '403';
        const got =
          res.status === 303 && res.location?.startsWith('/sign-in?next=')
            ? '303→/sign-in'
            : res.status === 401 || res.status === 403
              ? String(res.status)
              : 'allowed';
        if (got !== expected)
          failures.push(
            `${role} ${route.method} ${route.path}: expected ${expected}, got ${got} (${res.status})`,
          );
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
