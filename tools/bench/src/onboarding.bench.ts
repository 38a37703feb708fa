/**
 * Onboarding time per stage on the local data plane (issue 22 item 8): N tenants (default 20,
 * ONBOARDING_BENCH_TENANTS) are rendered as the provisioner's render step writes them
 * (tenants/examples/local.yaml through `cw render`, one render copied per tenant directory),
 * and `npm start`'s LocalDataPlane starts each tenant's cerebro and engine processes; the stage
 * "workspace answers" (processes started → every Deployment probe 200) is what the data plane
 * records in cw_onboarding_stage_seconds, read back here from its registry. As soon as a tenant
 * answers, the measurement sets an org Stripe key in its vault, mints an engine token with the
 * tenant's signing key and calls payments.balance through the engine's gate (a local Stripe
 * stand-in answers): the engine records "first_tool_call" (seconds since the data plane started
 * the tenant), read back from each engine's /metrics (onboarding-tool-call.ts).
 * Bounded: tenants start in waves of ONBOARDING_BENCH_WAVE (default 4; each cerebro + engine pair
 * takes ~150–250 MB and most of a core while starting), a wave is stopped before the next starts,
 * every probe has a 180 s deadline; traffic on 127.0.0.1 only. Modes (ONBOARDING_BENCH_MODES,
 * default "bundles,tsx"): the apps' esbuild bundles (`npm run build`) or the sources under tsx;
 * the tsx mode runs ONBOARDING_BENCH_TSX_TENANTS (default 4) tenants.
 * Not measured here: checkout_completed and provisioned (the provisioning bench and the
 * control-plane tests cover them), and a person's sign-in and credential entry (the newcomer walk;
 * see docs/benchmarks.md).
 * Alone: `npm run bench -- onboarding`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { round, type Figure } from './figure.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const exec = promisify(execFile);
const COUNT = Number(process.env.ONBOARDING_BENCH_TENANTS ?? 20);
const TSX_COUNT = Number(process.env.ONBOARDING_BENCH_TSX_TENANTS ?? 4);
const WAVE = Number(process.env.ONBOARDING_BENCH_WAVE ?? 4);
const MODES = (process.env.ONBOARDING_BENCH_MODES ?? 'bundles,tsx').split(',').map((m) => m.trim());

/** The measurement runs in tools/dev (the launcher's LocalDataPlane), a child process per mode. */
async function measure(mode: 'bundles' | 'tsx', count: number, rendered: string): Promise<Figure[]> {
  const child = exec(
    process.execPath,
    [
      '--import',
      'tsx',
      'tools/dev/src/data-plane/onboarding-run.ts',
      mode,
      String(count),
      String(WAVE),
      rendered,
    ],
    { cwd: root, maxBuffer: 16 << 20, timeout: 60 * 60_000 },
  );
  child.child.stderr?.pipe(process.stderr);
  const { stdout } = await child;
  const line = stdout.split('\n').find((l) => l.startsWith('@@FIGURES@@'));
  if (!line) throw new Error(`onboarding-run printed no figures: ${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('@@FIGURES@@'.length)) as Figure[];
}

export async function run(): Promise<Figure[]> {
  const work = await mkdtemp(join(tmpdir(), 'cw-onboarding-render-'));
  try {
    const rendered = join(work, 'local');
    const t0 = Date.now();
    await run_(process.execPath, [
      'tools/cli/bin/cw.js',
      'render',
      'tenants/examples/local.yaml',
      '--out',
      join(rendered, 'manifests'),
    ]);
    const figures: Figure[] = [{ name: 'render.once', value: round((Date.now() - t0) / 1000), unit: 's' }];
    if (MODES.includes('bundles')) {
      const b0 = Date.now();
      await Promise.all([
        run_(process.execPath, ['apps/cerebro/scripts/build.mjs']),
        run_(process.execPath, ['apps/mcp-engine/scripts/build.mjs']),
      ]);
      figures.push({ name: 'bundles.build', value: round((Date.now() - b0) / 1000), unit: 's' });
      figures.push(...(await measure('bundles', COUNT, rendered)));
    }
    if (MODES.includes('tsx')) figures.push(...(await measure('tsx', TSX_COUNT, rendered)));
    return figures;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const run_ = (cmd: string, args: string[]) => exec(cmd, args, { cwd: root, maxBuffer: 16 << 20 });
