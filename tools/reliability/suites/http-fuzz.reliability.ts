/**
 * Malformed input on every HTTP body the control plane takes: sign-up (JSON and form), the slug
 * check, the magic-link verify (GET and POST), the Stripe webhook (unsigned garbage, and events
 * with a valid signature but a mutated payload), and the admin API (action bodies and list
 * queries, with a manager's bearer token). Each case is a structured mutation of a valid input
 * (see src/mutate.ts). Requests run one at a time so the database can be counted around each:
 * no answer may be a 5xx, and a refused request (4xx) may not change any table — except the
 * audit log, which records refused admin attempts by design.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOidcProvider, type TestOidcProvider } from '@cw/testing/oidc';
import { validateTenantSpec } from '@cw/tenant-model';
import {
  mutate,
  NASTY_STRINGS,
  report,
  seededRandom,
  startControlPlane,
  type ControlPlane,
} from '../src/index.js';

const SCALE = Number(process.env.RELIABILITY_FUZZ_SCALE ?? 1);
const r = seededRandom();
const IDP_TENANT = '0f2a6c1e-4d3b-4a7e-9c55-1b2e3f4a5b6c';
let op: TestOidcProvider;
let cp: ControlPlane;
let token = '';
let cookie = '';
let csrf = '';

beforeAll(async () => {
  op = await startOidcProvider({ account: { tid: IDP_TENANT } });
  const dir = `/tmp/cw-rel-fuzz-${randomBytes(3).toString('hex')}`;
  cp = await startControlPlane({
    label: 'fuzz',
    env: {
      ADMIN_OIDC_ISSUER: op.issuer,
      ADMIN_OIDC_AUDIENCE: op.audience,
      ADMIN_OIDC_ALLOWED_TENANT_IDS: IDP_TENANT,
      ADMIN_OIDC_ALLOW_INSECURE: 'true',
      VAULT_DIR: `${dir}/vault`,
      ARTIFACTS_DIR: `${dir}/tenants`,
      KUBECONFIG: '',
    },
  });
  token = await op.signToken({ roles: ['manager'], groups: [], tid: IDP_TENANT }, { expiresIn: 3600 });
  const res = await fetch(`${cp.url}/api/csrf`);
  cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  csrf = ((await res.json()) as { token: string }).token;
});
afterAll(async () => {
  await cp?.close();
  await op?.stop();
});

const validSignup = {
  organisationName: 'Fuzz Org',
  email: 'fuzz@example.com',
  plan: 'team',
  seats: 5,
  cloud: 'aws',
  region: 'eu-west-1',
  isolation: 'shared',
};

interface Case {
  readonly endpoint: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Tables a refused request may still write (by design). */
  readonly mayWrite?: readonly string[];
}

const asForm = (value: unknown): string => {
  const params = new URLSearchParams();
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (Array.isArray(v))
        for (const item of v) params.append(k, typeof item === 'string' ? item : JSON.stringify(item));
      else params.append(k, typeof v === 'string' ? v : JSON.stringify(v));
    }
  } else params.append('x', JSON.stringify(value));
  return params.toString();
};
const json = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));

async function buildCases(): Promise<Case[]> {
  const cases: Case[] = [];
  const n = (k: number) => Math.round(k * SCALE);
  const jsonHeaders = {
    'content-type': 'application/json',
    accept: 'application/json',
    cookie,
    'x-csrf-token': csrf,
  };
  for (let i = 0; i < n(600); i++) {
    const mutated = mutate(r, {
      ...validSignup,
      email: `fuzz${i}@example.com`,
      organisationName: `Fuzz Org ${i}`,
    });
    cases.push({
      endpoint: 'signup-json',
      method: 'POST',
      path: '/api/signup',
      headers: jsonHeaders,
      body: json(mutated),
    });
  }
  for (let i = 0; i < n(60); i++) {
    // Raw garbage under a JSON content type: truncated, binary, huge.
    const body = r.pick([
      `{"email": "${r.pick(NASTY_STRINGS)}"`,
      randomBytes(r.int(1, 2000)).toString('latin1'),
      '[]',
      'null',
      '"x"',
      `{"a":${'['.repeat(5000)}`,
      'x'.repeat(600_000),
    ]);
    cases.push({ endpoint: 'signup-json', method: 'POST', path: '/api/signup', headers: jsonHeaders, body });
  }
  for (let i = 0; i < n(300); i++) {
    const mutated = mutate(r, {
      ...validSignup,
      email: `form${i}@example.com`,
      organisationName: `Form Org ${i}`,
      seats: '5',
      _csrf: csrf,
    });
    cases.push({
      endpoint: 'signup-form',
      method: 'POST',
      path: '/api/signup',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie },
      body: asForm(mutated),
    });
  }
  for (let i = 0; i < n(40); i++) {
    const type = r.pick([
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      '',
    ]);
    cases.push({
      endpoint: 'signup-content-type',
      method: 'POST',
      path: '/api/signup',
      headers: { 'content-type': type, cookie, 'x-csrf-token': csrf },
      body: json(validSignup),
    });
  }
  for (let i = 0; i < n(100); i++)
    cases.push({
      endpoint: 'slug',
      method: 'GET',
      path: `/api/slug?slug=${encodeURIComponent(String(mutate(r, 'fuzz-org', 1)))}`,
    });
  const tokenLike = () =>
    `${r.string(32, 'ABCabc019_-')}.${r.string(r.int(1, 10))}.${r.string(43, 'ABCabc019_-')}`;
  for (let i = 0; i < n(100); i++) {
    const t = r.chance(0.5) ? tokenLike() : String(mutate(r, tokenLike(), 1));
    cases.push({
      endpoint: 'verify-get',
      method: 'GET',
      path: `/verify?token=${encodeURIComponent(t)}`,
      headers: { accept: 'text/html' },
    });
    cases.push({
      endpoint: 'verify-post',
      method: 'POST',
      path: '/verify',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie },
      body: asForm(mutate(r, { _csrf: csrf, token: t }, 2)),
    });
  }
  // Webhooks: an event of the right shape, mutated, unsigned (400) and validly signed.
  const template = cp.stripe.store.event('invoice.paid', {
    id: 'in_fuzz',
    object: 'invoice',
    customer: 'cus_fuzz',
    subscription: 'sub_fuzz',
    parent: null,
  });
  for (let i = 0; i < n(400); i++) {
    const mutated = mutate(r, { ...template, id: `evt_fuzz_${i}` });
    const body = JSON.stringify(mutated);
    const signed = r.chance(0.6);
    cases.push({
      endpoint: signed ? 'webhook-signed' : 'webhook-unsigned',
      method: 'POST',
      path: '/webhooks/stripe',
      headers: {
        'content-type': 'application/json',
        ...(signed
          ? { 'stripe-signature': cp.emitter.sign(body) }
          : {
              'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${r.string(64, '0123456789abcdef')}`,
            }),
      },
      body,
    });
  }
  // Admin API: bodies of the actions and queries of the lists, on a real tenant and on nonsense.
  const slug = `fuzz-admin-${r.string(4, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
  const spec = validateTenantSpec({
    displayName: 'Fuzz Admin',
    plan: 'team',
    seats: 5,
    cloud: { provider: 'aws', region: 'eu-west-1' },
    hostname: `${slug}.localtest.me`,
  });
  if (!spec.ok) throw new Error('fixture');
  await cp.db.tenants.create({
    slug,
    spec: spec.value,
    adminEmail: 'owner@fuzz.example.com',
    correlationId: 'corr-fuzz',
    billingMode: 'trial',
    state: 'active',
  });
  const adminHeaders = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json',
  };
  const actions: Array<[string, unknown]> = [
    ['suspend', { reason: 'fuzzing the admin API' }],
    ['resume', { reason: 'fuzzing the admin API' }],
    ['resync', { reason: 'fuzzing the admin API' }],
    ['plan', { plan: 'business', seats: 10, reason: 'fuzzing the admin API' }],
    ['offboard', { confirm: slug, reason: 'fuzzing the admin API' }],
  ];
  for (let i = 0; i < n(300); i++) {
    const [action, body] = r.pick(actions);
    const target = r.chance(0.8)
      ? slug
      : encodeURIComponent(String(r.pick(NASTY_STRINGS)).slice(0, 200)) || 'x';
    cases.push({
      endpoint: `admin-${action}`,
      method: 'POST',
      path: `/admin/v1/tenants/${target}/${action}`,
      headers: adminHeaders,
      body: json(mutate(r, body)),
      mayWrite: ['admin_audit', 'audit_log', 'audit'],
    });
  }
  for (let i = 0; i < n(100); i++) {
    const query = mutate(r, { limit: '20', state: 'active', q: 'fuzz', cursor: 'abc' }) as Record<
      string,
      unknown
    >;
    const qs = new URLSearchParams(
      query && typeof query === 'object' && !Array.isArray(query)
        ? Object.entries(query).map(([k, v]): [string, string] => [
            k,
            typeof v === 'string' ? v : JSON.stringify(v),
          ])
        : [],
    ).toString();
    cases.push({
      endpoint: r.chance(0.5) ? 'admin-list-tenants' : 'admin-list-audit',
      method: 'GET',
      path: `/admin/v1/${r.chance(0.5) ? 'tenants' : 'audit'}?${qs}`,
      headers: adminHeaders,
    });
  }
  return cases;
}

const serverErrors: Array<{ endpoint: string; line: string }> = [];
const partialWrites: Array<{ endpoint: string; line: string }> = [];

it('sends every case and prints its counts', async () => {
  const cases = await buildCases();
  const byEndpoint = new Map<string, Record<string, number>>();
  let before = await cp.rowCounts();
  for (const c of cases) {
    let status: number;
    let text = '';
    try {
      const res = await fetch(`${cp.url}${c.path}`, {
        method: c.method,
        headers: c.headers,
        body: c.body,
        redirect: 'manual',
      });
      status = res.status;
      text = await res.text();
    } catch (error) {
      status = 0;
      text = String(error);
    }
    const counts = byEndpoint.get(c.endpoint) ?? {};
    const bucket = `${Math.floor(status / 100)}xx`;
    counts[bucket] = (counts[bucket] ?? 0) + 1;
    byEndpoint.set(c.endpoint, counts);
    if (status >= 500 || status === 0)
      serverErrors.push({
        endpoint: c.endpoint,
        line: `${c.endpoint} ${status}: ${text.slice(0, 160)} ← ${(c.body ?? c.path).slice(0, 200)}`,
      });
    const after = await cp.rowCounts();
    if (status >= 400) {
      const changed = Object.keys(after).filter(
        (t) => after[t] !== before[t] && !(c.mayWrite ?? []).some((w) => t.includes(w)),
      );
      if (changed.length)
        partialWrites.push({
          endpoint: c.endpoint,
          line: `${c.endpoint} ${status} changed ${changed.join(', ')} ← ${(c.body ?? c.path).slice(0, 200)}`,
        });
    }
    before = after;
  }
  expect(cp.proc.alive()).toBe(true);
  for (const [endpoint, counts] of byEndpoint) console.log(`  ${endpoint}: ${JSON.stringify(counts)}`);
  report('http-fuzz', {
    seed: r.seed,
    cases: cases.length,
    endpoints: byEndpoint.size,
    serverErrors: serverErrors.length,
    serverErrorsFromUntrustedInput: serverErrors.filter((e) => e.endpoint !== 'webhook-signed').length,
    partialWrites: partialWrites.length,
    partialWritesFromUntrustedInput: partialWrites.filter((w) => w.endpoint !== 'webhook-signed').length,
  });
});

it('never answers untrusted input with a 5xx', () => {
  const untrusted = serverErrors.filter((e) => e.endpoint !== 'webhook-signed').map((e) => e.line);
  expect(untrusted, untrusted.slice(0, 20).join('\n')).toEqual([]);
});

it('writes nothing for a refused untrusted request', () => {
  const untrusted = partialWrites.filter((w) => w.endpoint !== 'webhook-signed').map((w) => w.line);
  expect(untrusted, untrusted.slice(0, 20).join('\n')).toEqual([]);
});

// A validly signed event with a broken payload can only come from Stripe (or a leaked secret);
// it should still be refused or ignored, not answered 500 (which makes Stripe retry for days).
it('never answers a validly signed but malformed Stripe event with a 5xx', () => {
  const signed = [...serverErrors, ...partialWrites]
    .filter((e) => e.endpoint === 'webhook-signed')
    .map((e) => e.line);
  expect(signed, signed.slice(0, 10).join('\n')).toEqual([]);
});
