/**
 * Offline CPU of what the operator does per tenant besides talking to the API server: validate
 * and render N benchmark tenants (as the reconciler's manifestFor does), then the per-reconcile
 * work on an unchanged tenant (parse the kept manifest, compare every object with its live copy,
 * compute the status). No cluster. Run with `--cpu-prof` to see the top frames:
 *   node --cpu-prof --cpu-prof-dir=/tmp/opprof --import tsx tools/bench/src/operator-render-profile.ts
 * OPERATOR_PROFILE_TENANTS sets N (default 1000). Prints one JSON line per figure.
 */
import { chooseCapabilities, renderTenantManifest, type KubeObject } from '@cw/k8s-charts';
import { benchTenant } from './operator-raw-ssa.js';

const COUNT = Number(process.env.OPERATOR_PROFILE_TENANTS ?? 1000);
const capabilities = chooseCapabilities(['v1', 'apps/v1', 'policy/v1beta1', 'networking.k8s.io/v1']);

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

// Warm-up (module loading, JIT) is not what a tenant costs.
for (let i = 0; i < 20; i++) renderTenantManifest(benchTenant('warm', i), { capabilities });

let cpu = process.cpuUsage();
const rendered: KubeObject[][] = [];
for (let i = 0; i < COUNT; i++) {
  const m = renderTenantManifest(benchTenant('prof', i), { capabilities });
  if (!m.ok) throw new Error(JSON.stringify(m.issues));
  rendered.push(m.objects);
}
const renderMs = cpuMs(cpu);
const print = (name: string, value: number, unit: string) =>
  process.stdout.write(`${JSON.stringify({ name, value: Math.round(value * 1000) / 1000, unit })}\n`);
print('operator.profile.render_per_tenant', renderMs / COUNT, 'ms');

cpu = process.cpuUsage();
for (const objects of rendered) for (const o of objects) JSON.stringify(o);
print('operator.profile.serialize_per_tenant', cpuMs(cpu) / COUNT, 'ms');
print('operator.profile.heap_used', process.memoryUsage().heapUsed / 1e6, 'MB');
