/**
 * The operator benchmark's baseline, "the physical limit": server-side apply of the same objects
 * the operator renders for N tenants, with the same number of requests in flight, against the
 * same API server (through the same counting proxy), by a client that does nothing else — no
 * caches, no watches, no rendering while it runs. Its writes/s is what the operator's cold start
 * is compared with (`operator.cold.ratio_to_raw_ssa`).
 *
 * It runs in its own process (the benchmark process also hosts the proxy and the emulated node),
 * so its CPU is the client's alone. The objects go to namespaces `tenant-raw-<run>-<i>` and are
 * labelled `app.kubernetes.io/managed-by: bench-raw`, so the operator's caches (selected by
 * `managed-by=tenant-operator`) never hold them.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  MANAGED_RESOURCES,
  apiGroup,
  chooseCapabilities,
  renderTenant,
  servedApiVersion,
  type ApiCapabilities,
  type KubeObject,
} from '@cw/k8s-charts';
import { KubeClient, Reflector, resourcePath } from '@cw/k8s-client';
import { FINALIZER, parseTenant } from '@cw/tenant-model';

export interface RawSsaResult {
  readonly writes: number;
  readonly seconds: number;
  readonly writesPerSecond: number;
  /** CPU of the applying loop (user + system), excluding start-up and rendering. */
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

export const RAW_MANAGER_LABEL = 'bench-raw';

/** Objects of the benchmark's tenant `name` (same spec as the operator's tenants), relabelled. */
export function rawObjects(
  makeTenant: (i: number) => unknown,
  count: number,
  capabilities: ApiCapabilities,
): KubeObject[][] {
  return Array.from({ length: count }, (_, i) =>
    renderTenant(parseTenant(makeTenant(i)), { capabilities }).map((o) => ({
      ...o,
      metadata: {
        ...o.metadata,
        labels: { ...o.metadata.labels, 'app.kubernetes.io/managed-by': RAW_MANAGER_LABEL },
      },
    })),
  );
}

/**
 * The raw client's watches, for the "watched" variant of the baseline: one list + watch cache per
 * managed kind the cluster serves, of the raw objects (managed-by=bench-raw), each apply's answer
 * written through as the operator's caches do (so the event of its own write is dropped unparsed).
 * It keeps what the operator's caches keep minus their trimming and indexes, and does nothing with
 * an event: what watching the objects one writes costs a client, and no more.
 */
async function startWatches(client: KubeClient): Promise<Map<string, Reflector<KubeObject>>> {
  const served = await client.discovery.servedGroupVersions();
  const caches = new Map<string, Reflector<KubeObject>>();
  for (const resource of MANAGED_RESOURCES) {
    const apiVersion = servedApiVersion(resource, served);
    if (!apiVersion) continue;
    const info = await client.discovery.resource(apiVersion, resource.kind);
    if (!info) continue;
    const reflector = new Reflector<KubeObject>({
      rest: client.rest,
      path: resourcePath(info),
      labelSelector: `app.kubernetes.io/managed-by=${RAW_MANAGER_LABEL}`,
    });
    caches.set(`${resource.group}/${resource.kind}`, reflector.start());
  }
  await Promise.all([...caches.values()].map((r) => r.waitForSync()));
  return caches;
}

/**
 * Applies every tenant's objects: `inFlight` workers, each taking the next tenant and applying its
 * objects in render order (the namespace first), so exactly `inFlight` requests are outstanding.
 * `watch`: the client also watches what it writes (startWatches), started before the CPU count.
 */
export async function applyRaw(
  client: KubeClient,
  tenants: readonly KubeObject[][],
  inFlight: number,
  watch = false,
): Promise<RawSsaResult> {
  const caches = watch ? await startWatches(client) : undefined;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  let writes = 0;
  const worker = async () => {
    while (next < tenants.length) {
      for (const obj of tenants[next++]!) {
        const answer = await client.applyObject(obj, { fieldManager: 'bench-raw', force: true });
        caches?.get(`${apiGroup(obj.apiVersion)}/${obj.kind}`)?.upsert(answer);
        writes++;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await Promise.all([...(caches?.values() ?? [])].map((r) => r.stop()));
  return {
    writes,
    seconds,
    writesPerSecond: writes / seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** Runs the baseline in a child process (`node --import tsx` this file). */
export function runRawSsa(options: {
  kubeconfig: string;
  run: string;
  count: number;
  inFlight: number;
  /** The "watched" variant (applyRaw's `watch`). */
  watch?: boolean;
}): Promise<RawSsaResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: {
        ...process.env,
        RAW_SSA_KUBECONFIG: options.kubeconfig,
        RAW_SSA_RUN: options.run,
        RAW_SSA_COUNT: String(options.count),
        RAW_SSA_IN_FLIGHT: String(options.inFlight),
        RAW_SSA_WATCH: options.watch ? '1' : '',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`raw SSA baseline exited with ${code}`));
      resolve(JSON.parse(line) as RawSsaResult);
    });
  });
}

/**
 * The benchmark tenant, shared with operator.bench.ts: created as the provisioner creates Tenants
 * (desiredTenant), with the operator's finalizer from the first write.
 */
export function benchTenant(prefix: string, i: number, labels: Record<string, string> = {}) {
  const name = `${prefix}-${i}`;
  return {
    apiVersion: 'platform.contextweaver.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name, labels, finalizers: [FINALIZER] },
    spec: {
      displayName: `Bench ${i}`,
      plan: 'starter',
      seats: 3,
      cloud: { provider: 'local', region: 'local' },
      hostname: `${name}.localtest.me`,
      engines: [{ name: 'main', plugins: ['payments'] }],
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const count = Number(env('RAW_SSA_COUNT'));
  const client = KubeClient.fromKubeconfig(env('RAW_SSA_KUBECONFIG'), {
    fieldManager: 'bench-raw',
    maxInFlight: 256,
  });
  // The versions this cluster serves, as the operator renders them (policy/v1beta1 on v1.20).
  const capabilities = chooseCapabilities(await client.discovery.servedGroupVersions());
  const tenants = rawObjects((i) => benchTenant(`raw-${env('RAW_SSA_RUN')}`, i), count, capabilities);
  const result = await applyRaw(
    client,
    tenants,
    Number(env('RAW_SSA_IN_FLIGHT')),
    process.env.RAW_SSA_WATCH === '1',
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
