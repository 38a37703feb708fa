/**
 * Tenant stack synthesis in one long-lived process, as the provisioner runs it: cost of loading
 * cdktf and the providers once, first and warm per-tenant time per cloud, throughput for 200
 * tenants, and peak RSS. Alone: `node --import tsx tools/bench/src/synth.bench.ts` prints one
 * JSON line per figure. Target: warm per-tenant synthesis <= 150 ms.
 */
import { pathToFileURL } from 'node:url';
import { parseTenant, type Tenant } from '@cw/tenant-model';
import { percentile, round, type Figure } from './figure.js';

type Cloud = 'azure' | 'aws' | 'gcp';
const CLOUDS: readonly Cloud[] = ['azure', 'aws', 'gcp'];
const REGION: Record<Cloud, string> = { azure: 'westeurope', aws: 'eu-west-1', gcp: 'europe-west1' };
const WARM_RUNS = 40;
const MANY = 200;

function tenant(cloud: Cloud, i: number): Tenant {
  const dedicated = i % 2 === 1;
  const slug = `bench-${cloud}-${i}`;
  return parseTenant({
    apiVersion: 'platform.contextweaver.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name: slug },
    spec: {
      displayName: slug,
      plan: dedicated ? 'enterprise' : 'team',
      seats: 25,
      cloud: { provider: cloud, region: REGION[cloud] },
      isolation: dedicated ? 'dedicated' : 'shared',
      hostname: `${slug}.contextweaver.app`,
      identity: {
        issuer: 'https://login.example.com',
        clientId: 'cerebro',
        clientSecretRef: { key: 'oidc-client-secret' },
      },
    },
  });
}

export async function run(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const importStart = performance.now();
  const { synthesizeTenantStack, defaultPlatformConfig } = await import('@cw/cloud-stacks');
  figures.push({
    name: 'synth.import_cloud_stacks',
    value: round(performance.now() - importStart, 0),
    unit: 'ms',
  });

  const platforms = Object.fromEntries(CLOUDS.map((c) => [c, defaultPlatformConfig(c)])) as Record<
    Cloud,
    ReturnType<typeof defaultPlatformConfig>
  >;
  for (const cloud of CLOUDS) {
    const first = performance.now();
    synthesizeTenantStack(tenant(cloud, 0), platforms[cloud]);
    figures.push({
      name: `synth.${cloud}.first_tenant`,
      value: round(performance.now() - first),
      unit: 'ms',
    });
    const times: number[] = [];
    for (let i = 1; i <= WARM_RUNS; i++) {
      const t = tenant(cloud, i);
      const start = performance.now();
      synthesizeTenantStack(t, platforms[cloud]);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    figures.push({ name: `synth.${cloud}.warm_p50`, value: round(percentile(times, 50)), unit: 'ms' });
    figures.push({ name: `synth.${cloud}.warm_p95`, value: round(percentile(times, 95)), unit: 'ms' });
  }

  const tenants = Array.from({ length: MANY }, (_, i) => tenant(CLOUDS[i % CLOUDS.length]!, 1000 + i));
  let resources = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (const t of tenants)
    resources += synthesizeTenantStack(t, platforms[t.spec.cloud.provider as Cloud]).resourceCount;
  const seconds = (performance.now() - start) / 1000;
  const cpuUsed = process.cpuUsage(cpu);
  figures.push({ name: `synth.${MANY}_tenants.total`, value: round(seconds * 1000, 0), unit: 'ms' });
  figures.push({ name: `synth.${MANY}_tenants.throughput`, value: round(MANY / seconds), unit: 'tenants/s' });
  // CPU time is steadier than wall time on a shared machine.
  figures.push({
    name: `synth.${MANY}_tenants.cpu_per_tenant`,
    value: round((cpuUsed.user + cpuUsed.system) / 1000 / MANY),
    unit: 'ms',
  });
  figures.push({ name: `synth.${MANY}_tenants.resources`, value: resources, unit: 'resources' });
  // maxRSS is in kilobytes; it includes whatever ran in this process before.
  figures.push({
    name: 'synth.peak_rss',
    value: round(process.resourceUsage().maxRSS / 1024, 0),
    unit: 'MB',
  });
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const figure of await run()) process.stdout.write(`${JSON.stringify(figure)}\n`);
}
