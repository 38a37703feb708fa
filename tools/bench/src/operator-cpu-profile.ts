/**
 * Sums a V8 CPU profile (`--cpu-prof`, e.g. the operator's from OPERATOR_BENCH_CPU_PROF=<dir>)
 * into where the time went: self time by function and by package/file (idle and program samples
 * left out), and inclusive time of a few functions of interest. Evidence for docs/benchmarks.md.
 *   node --import tsx tools/bench/src/operator-cpu-profile.ts <file.cpuprofile> [top=25] [from-s] [to-s]
 * from/to: only samples in that window, in seconds since the profile started (e.g. the cold start
 * without the idle passes that follow).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The profile with only the samples taken between `fromS` and `toS` seconds after its start. */
export function window(profile: Profile, fromS: number, toS: number): Profile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let t = 0;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t >= fromS * 1e6 && t <= toS * 1e6) {
      samples.push(id);
      timeDeltas.push(profile.timeDeltas[i] ?? 0);
    }
  });
  return { ...profile, samples, timeDeltas };
}

/** Where a frame comes from: a package under node_modules, a workspace folder, or node itself. */
function origin(url: string): string {
  if (!url) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return url;
  const ws = /\/(libs|operators|apps|tools)\/([^/]+)\//.exec(url);
  if (ws) return `${ws[1]}/${ws[2]}`;
  return url.split('/').at(-1) ?? url;
}

export function summarize(profile: Profile, top = 25, inclusiveOf: readonly string[] = []): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const skip = new Set(['(idle)', '(program)']);
  let total = 0;
  const fnSelf = new Map<string, number>();
  const originSelf = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const name = node.callFrame.functionName || '(anonymous)';
    if (skip.has(name)) continue;
    total += us;
    const key = `${name} ${origin(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + us);
    const o = name === '(garbage collector)' ? '(gc)' : origin(node.callFrame.url);
    originSelf.set(o, (originSelf.get(o) ?? 0) + us);
    // Inclusive: count the sample once for every function of interest on its stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const fn = byId.get(cur)!.callFrame.functionName;
      if (inclusiveOf.includes(fn) && !seen.has(fn)) {
        seen.add(fn);
        inclusive.set(fn, (inclusive.get(fn) ?? 0) + us);
      }
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const rows = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  return [
    `busy samples: ${(total / 1e6).toFixed(2)} s`,
    '',
    'self time by origin:',
    ...rows(originSelf, 15),
    '',
    `self time by function (top ${top}):`,
    ...rows(fnSelf, top),
    ...(inclusiveOf.length > 0 ? ['', 'inclusive time:', ...rows(inclusive, inclusiveOf.length)] : []),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, top, from, to] = process.argv.slice(2);
  if (!file) throw new Error('usage: operator-cpu-profile.ts <file.cpuprofile> [top] [from-s] [to-s]');
  const whole = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const profile = from !== undefined ? window(whole, Number(from), Number(to ?? Infinity)) : whole;
  process.stdout.write(
    `${summarize(profile, Number(top ?? 25), [
      'reconcile',
      'manifestFor',
      'renderTenantManifest',
      'applyPhases',
      'reasonToApply',
      'containsDesired',
      'writeStatus',
      'prune',
      'applyObject',
      'patchTenantStatus',
      'record',
      'watch',
      'relist',
      'transform',
      'ownedChangeMatters',
      'request',
      'once',
      'send',
      'scrape',
      'metrics',
      'getMetricsAsString',
    ])}\n`,
  );
}
