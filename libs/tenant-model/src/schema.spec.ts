import { describe, expect, it } from 'vitest';
import { sampleTenant } from './fixtures.js';
import { PLANS } from './plans.js';
import { REGIONS } from './regions.js';
import { formatIssue, validateTenant, validateTenantSpec } from './validate.js';

const problems = (input: unknown) => {
  const result = validateTenant(input);
  return result.ok ? [] : result.issues.map(formatIssue);
};
const withSpec = (spec: Record<string, unknown>) => sampleTenant({ spec });

describe('Tenant schema: defaults', () => {
  it('applies defaults to a minimal tenant', () => {
    const result = validateTenant(sampleTenant());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { spec } = result.value;
    expect(spec.suspended).toBe(false);
    expect(spec.isolation).toBe('shared');
    expect(spec.engines).toEqual([]);
    expect(spec.bindings).toEqual({});
    expect(spec.cerebro).toEqual({});
    expect(spec.routing).toEqual({ mode: 'gateway' });
  });

  it('defaults engine flags: audit on, read-only and maintenance off, one replica', () => {
    const result = validateTenant(withSpec({ engines: [{ name: 'main' }] }));
    expect(result.ok && result.value.spec.engines[0]).toEqual({
      name: 'main',
      plugins: [],
      readOnly: false,
      maintenance: false,
      auditLog: true,
      replicas: 1,
    });
  });

  it('defaults identity claims', () => {
    const result = validateTenant(
      withSpec({ identity: { issuer: 'https://idp.example.com', clientId: 'abc' } }),
    );
    expect(result.ok && result.value.spec.identity).toMatchObject({
      groupsClaim: 'groups',
      rolesClaim: 'roles',
      allowedTenantIds: [],
    });
  });
});

describe('Tenant schema: each field rejects what it should, naming the field', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['displayName empty', { displayName: '' }, /^spec\.displayName: must not be empty/],
    [
      'displayName too long',
      { displayName: 'x'.repeat(101) },
      /^spec\.displayName: must be at most 100 characters/,
    ],
    [
      'plan unknown',
      { plan: 'gold' },
      /^spec\.plan: "gold" is not allowed \(expected one of starter, team, enterprise\)/,
    ],
    ['seats not a number', { seats: 'ten' }, /^spec\.seats: must be a number \(got "ten"\)/],
    ['seats fractional', { seats: 2.5 }, /^spec\.seats: must be a whole number/],
    [
      'seats outside plan range',
      { seats: 500 },
      /^spec\.seats: 500 seats is outside the team plan's range 3-200/,
    ],
    ['suspended not boolean', { suspended: 'yes' }, /^spec\.suspended: must be a boolean/],
    ['cloud missing', { cloud: undefined }, /^spec\.cloud: is required/],
    [
      'cloud provider unknown',
      { cloud: { provider: 'ibm', region: 'x1' } },
      /^spec\.cloud\.provider: "ibm" is not allowed/,
    ],
    [
      'region of another cloud',
      { cloud: { provider: 'aws', region: 'moon-1' } },
      /^spec\.cloud\.region: "moon-1" is not a region of aws \(expected one of us-east-1,/,
    ],
    [
      'azure region on gcp',
      { cloud: { provider: 'gcp', region: 'westeurope' } },
      /^spec\.cloud\.region: "westeurope" is not a region of gcp/,
    ],
    ['isolation unknown', { isolation: 'private' }, /^spec\.isolation: "private" is not allowed/],
    [
      'isolation not in plan',
      { plan: 'starter', seats: 2, isolation: 'dedicated' },
      /^spec\.isolation: "dedicated" isolation is not available on the starter plan/,
    ],
    [
      'hostname uppercase',
      { hostname: 'Acme.example.com' },
      /^spec\.hostname: "Acme\.example\.com" must be a lowercase DNS name/,
    ],
    [
      'hostname single label',
      { hostname: 'localhost' },
      /^spec\.hostname: "localhost" must be a lowercase DNS name/,
    ],
    ['hostname wildcard', { hostname: '*.example.com' }, /^spec\.hostname:/],
    [
      'identity issuer not https',
      { identity: { issuer: 'http://idp.example.com', clientId: 'a' } },
      /^spec\.identity\.issuer:/,
    ],
    [
      'identity clientId missing',
      { identity: { issuer: 'https://idp.example.com' } },
      /^spec\.identity\.clientId: is required/,
    ],
    [
      'engine name invalid',
      { engines: [{ name: 'Main_Engine' }] },
      /^spec\.engines\[0\]\.name: "Main_Engine" must be a lowercase DNS label/,
    ],
    [
      'engine names duplicate',
      { engines: [{ name: 'a' }, { name: 'a' }] },
      /^spec\.engines\[1\]\.name: "a" is already used by engines\[0\]/,
    ],
    [
      'too many engines for plan',
      { engines: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }] },
      /^spec\.engines: 4 engines exceed the limit of 3 \(team plan\)/,
    ],
    [
      'plugin invalid',
      { engines: [{ name: 'a', plugins: ['Bad Plugin'] }] },
      /^spec\.engines\[0\]\.plugins\[0\]: "Bad Plugin" must be a plugin id/,
    ],
    [
      'engine replicas negative',
      { engines: [{ name: 'a', replicas: -1 }] },
      /^spec\.engines\[0\]\.replicas: must be at least 0/,
    ],
    [
      'quota cpu not a quantity',
      { quota: { cpu: 'lots' } },
      /^spec\.quota\.cpu: "lots" must be a Kubernetes quantity/,
    ],
    [
      'cerebro image invalid',
      { cerebro: { image: 'UPPER CASE' } },
      /^spec\.cerebro\.image: "UPPER CASE" must be an image reference/,
    ],
    ['unknown field', { replica: 3 }, /^spec\.replica: unknown field/],
    [
      'routing mode unknown',
      { routing: { mode: 'nodeport' } },
      /^spec\.routing\.mode: "nodeport" is not allowed/,
    ],
    [
      'bindings identity missing for cloud',
      { bindings: { identity: { clientId: 'x' } } },
      /^spec\.bindings\.identity\.roleArn: is required for a tenant on aws/,
    ],
    [
      'vault kind unknown',
      { bindings: { vault: { uri: 'x', kind: 'hashicorp' } } },
      /^spec\.bindings\.vault\.kind: "hashicorp" is not allowed/,
    ],
  ];
  it.each(cases)('%s', (_name, spec, expected) => {
    const found = problems(withSpec(spec));
    expect(
      found.some((p) => expected.test(p)),
      `got: ${found.join(' | ')}`,
    ).toBe(true);
  });

  it('quota.engines overrides the plan limit', () => {
    const engines = [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }];
    expect(problems(withSpec({ engines, quota: { engines: 4 } }))).toEqual([]);
  });

  it('accepts every region of every cloud and every plan at its seat bounds', () => {
    for (const [provider, regions] of Object.entries(REGIONS)) {
      for (const region of regions) expect(problems(withSpec({ cloud: { provider, region } }))).toEqual([]);
    }
    for (const plan of Object.values(PLANS)) {
      expect(problems(withSpec({ plan: plan.name, seats: plan.seats.min }))).toEqual([]);
      expect(problems(withSpec({ plan: plan.name, seats: plan.seats.max }))).toEqual([]);
      expect(problems(withSpec({ plan: plan.name, seats: plan.seats.max + 1 })).join()).toMatch(
        /outside the \w+ plan's range/,
      );
    }
  });

  it('reports several mistakes at once', () => {
    const found = problems({
      ...withSpec({
        plan: 'gold',
        seats: 0,
        cloud: { provider: 'aws', region: 'moon-1' },
        hostname: 'X',
        engines: [{ name: 'a' }, { name: 'a' }],
      }),
      metadata: { name: 'kube-system' },
    });
    expect(found.length).toBeGreaterThanOrEqual(5);
  });
});

describe('Tenant object: apiVersion, kind and name', () => {
  it('refuses another kind without judging its spec', () => {
    expect(problems({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).toEqual([
      'apiVersion: must be "platform.contextweaver.io/v1alpha1" (got "v1")',
      'kind: must be "Tenant" (got "ConfigMap")',
    ]);
  });
  it('refuses a wrong apiVersion', () => {
    expect(problems({ ...sampleTenant(), apiVersion: 'platform.contextweaver.io/v1' })).toEqual([
      'apiVersion: must be "platform.contextweaver.io/v1alpha1" (got "platform.contextweaver.io/v1")',
    ]);
  });
  it.each(['kube-system', 'default', 'admin', 'kube-foo', 'istio-system'])(
    'refuses the reserved name %s',
    (name) => {
      expect(problems(sampleTenant({ name })).join()).toMatch(/metadata\.name: .*reserved/);
    },
  );
  it.each(['ab', 'Acme', '1acme', 'acme-', 'a'.repeat(41), 'ac_me'])(
    'refuses the malformed name %s',
    (name) => {
      expect(problems(sampleTenant({ name })).join()).toMatch(/^metadata\.name: /);
    },
  );
  it('refuses something that is not an object', () => {
    expect(problems('hello')).toEqual(['expected a Tenant object, got "hello"']);
  });
  it('validates a spec alone with a custom prefix (sign-up form)', () => {
    const result = validateTenantSpec({ displayName: 'A', plan: 'team', seats: 1 }, 'form');
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual(
      expect.arrayContaining([
        'form.cloud: is required',
        'form.hostname: is required',
        "form.seats: 1 seats is outside the team plan's range 3-200",
      ]),
    );
  });
});
