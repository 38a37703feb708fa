/**
 * Tenant specs under mutation: thousands of structured mutations of a valid Tenant go through
 * validateTenant, which must never throw and must answer either ok or issues that each name a
 * field (a root-level issue only for a non-object). Then a sample of the invalid ones is applied
 * to the real Kubernetes API (the CRD's OpenAPI schema): each must be rejected there, or, when
 * the API's schema lets it through, marked Degraded (InvalidSpec) by the real operator.
 */
import { inject } from 'vitest';
import { afterAll, expect, it } from 'vitest';
import { KubeApiError, KubeClient, type AnyObject } from '@cw/k8s-client';
import { sampleTenant, validateTenant } from '@cw/tenant-model';
import {
  mutate,
  operatorRun,
  removeTenants,
  report,
  seededRandom,
  SELECTOR_KEY,
  type PlatformProcess,
} from '../src/index.js';

const CASES = Number(process.env.RELIABILITY_TENANT_CASES ?? 5000);
const SAMPLE = Number(process.env.RELIABILITY_TENANT_SAMPLE ?? 200);
const r = seededRandom();
const kubeconfig = inject('kubeconfig');
const admin = KubeClient.fromKubeconfig(kubeconfig, { fieldManager: 'cw-reliability' });
const created = new Set<string>();
let operator: PlatformProcess | undefined;

afterAll(async () => {
  await removeTenants(admin, created);
  await operator?.stop();
});

const degraded = (t: {
  status?: { conditions?: Array<{ type: string; status: string; reason?: string }> };
}) => t.status?.conditions?.some((c) => c.type === 'Degraded' && c.status === 'True') ?? false;

it('validates thousands of mutated Tenants without throwing, naming the field of every issue; the API or the operator refuses the invalid ones', async () => {
  const base = sampleTenant({
    name: 'fuzz',
    spec: {
      cloud: { provider: 'local', region: 'local' },
      hostname: 'fuzz.localtest.me',
      engines: [{ name: 'main', plugins: ['payments'] }],
    },
  });
  const invalid: unknown[] = [];
  let valid = 0;
  let issues = 0;
  for (let i = 0; i < CASES; i++) {
    const input = mutate(r, base, 3);
    let result: ReturnType<typeof validateTenant>;
    try {
      result = validateTenant(input);
    } catch (error) {
      throw new Error(
        `validateTenant threw on case ${i} (seed ${r.seed}): ${(error as Error).message}\n${JSON.stringify(input).slice(0, 500)}`,
      );
    }
    if (result.ok) {
      valid++;
      continue;
    }
    expect(result.issues.length, JSON.stringify(input).slice(0, 300)).toBeGreaterThan(0);
    const isObject = !!input && typeof input === 'object' && !Array.isArray(input);
    for (const issue of result.issues) {
      issues++;
      expect(issue.message, JSON.stringify(issue)).toBeTruthy();
      if (isObject)
        expect(issue.path, `${JSON.stringify(issue)} ← ${JSON.stringify(input).slice(0, 300)}`).not.toBe('');
    }
    if (isObject) invalid.push(input);
  }

  // The sample against the real API server: a name of our own and our label on each.
  const run = await operatorRun(kubeconfig, 'tfuzz');
  const sample = r.shuffle(invalid).slice(0, SAMPLE);
  let rejectedByApi = 0;
  let validOnceStored = 0;
  const accepted: string[] = [];
  for (const [i, raw] of sample.entries()) {
    const obj = raw as { metadata?: unknown };
    const name = `tfuzz-${run.selectorValue}-${i}`;
    const meta =
      obj.metadata && typeof obj.metadata === 'object' && !Array.isArray(obj.metadata)
        ? (obj.metadata as Record<string, unknown>)
        : {};
    const labels =
      meta.labels && typeof meta.labels === 'object' && !Array.isArray(meta.labels)
        ? (meta.labels as Record<string, unknown>)
        : {};
    // apiVersion and kind address the API; their mutations were validateTenant's business above.
    const manifest = {
      ...obj,
      apiVersion: 'platform.contextweaver.io/v1alpha1',
      kind: 'Tenant',
      metadata: { ...meta, name, labels: { ...labels, [SELECTOR_KEY]: run.selectorValue } },
    } as AnyObject;
    try {
      await admin.applyObject(manifest, { fieldManager: 'kubectl' });
      created.add(name);
      // The API took it. The operator sees the object as stored (unknown fields pruned, defaults
      // applied by the CRD's schema), not as sent: is that still invalid?
      const stored = await admin.getTenant(name);
      if (
        stored &&
        validateTenant({
          apiVersion: stored.apiVersion,
          kind: stored.kind,
          metadata: { name },
          spec: stored.spec,
        }).ok
      ) {
        validOnceStored++;
        continue;
      }
      accepted.push(name);
    } catch (error) {
      if (!(error instanceof KubeApiError)) throw error;
      // kube-apiserver 1.20 answers a server-side apply whose field types contradict the
      // schema with 500 "failed to create typed patch object" (422 on later versions): refused.
      const typedPatch = error.statusCode === 500 && /typed patch/.test(error.message);
      if (!typedPatch)
        expect([400, 404, 409, 415, 422], error.message.slice(0, 300)).toContain(error.statusCode);
      rejectedByApi++;
    }
  }
  // What the API accepted must end Degraded by the real operator.
  if (accepted.length > 0) {
    operator = await run.start();
    const notDegraded: string[] = [];
    await Promise.all(
      accepted.map((name) =>
        admin.waitForTenant(name, degraded, 60_000).catch(() => void notDegraded.push(name)),
      ),
    );
    const explain = await Promise.all(
      notDegraded.map(async (name) => {
        const t = await admin.getTenant(name);
        const check = t
          ? validateTenant({ apiVersion: t.apiVersion, kind: t.kind, metadata: { name }, spec: t.spec })
          : undefined;
        return `${name}: ${JSON.stringify(check && !check.ok ? check.issues : 'gone or valid')} status=${JSON.stringify(t?.status?.conditions ?? null).slice(0, 400)}`;
      }),
    );
    expect(
      notDegraded,
      `accepted by the API and not Degraded (seed ${r.seed}):\n${explain.join('\n')}`,
    ).toEqual([]);
  }
  report('tenant-fuzz', {
    seed: r.seed,
    cases: CASES,
    valid,
    invalid: CASES - valid,
    issues,
    threw: 0,
    appliedToApi: sample.length,
    rejectedByApi,
    validOnceStored,
    acceptedThenDegraded: accepted.length,
  });
});
