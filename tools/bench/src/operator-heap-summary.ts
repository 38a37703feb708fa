/**
 * Sums a V8 heap snapshot (e.g. the operator's from OPERATOR_BENCH_HEAP_SNAPSHOT=<dir>): total
 * self size, by node type (strings, objects, code, arrays…) and the largest constructors/names.
 * Evidence for docs/benchmarks.md.
 *   node --import tsx tools/bench/src/operator-heap-summary.ts <file.heapsnapshot> [top=15]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export function summarizeHeap(snap: Snapshot, top = 15): string {
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const byType = new Map<string, number>();
  const byName = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!] ?? '?';
    const size = snap.nodes[i + sizeAt]!;
    total += size;
    byType.set(type, (byType.get(type) ?? 0) + size);
    if (type === 'object' || type === 'closure' || type === 'array') {
      const name = `${type} ${snap.strings[snap.nodes[i + nameAt]!] ?? '?'}`;
      const e = byName.get(name) ?? { bytes: 0, count: 0 };
      e.bytes += size;
      e.count++;
      byName.set(name, e);
    }
  }
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(1).padStart(6)} MB`;
  return [
    `total self size: ${mb(total)}`,
    '',
    'by type:',
    ...[...byType].sort((a, b) => b[1] - a[1]).map(([t, b]) => `${mb(b)}  ${t}`),
    '',
    `largest object/array/closure names (top ${top}):`,
    ...[...byName]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, top)
      .map(([n, e]) => `${mb(e.bytes)}  ${String(e.count).padStart(8)}×  ${n}`),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: operator-heap-summary.ts <file.heapsnapshot> [top]');
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  process.stdout.write(`${summarizeHeap(snap, Number(top ?? 15))}\n`);
}
