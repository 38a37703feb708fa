import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { renderTenant } from '@cw/k8s-charts';
import { parseTenant } from '@cw/tenant-model';
import { main } from '../src/main.js';
import type { Io } from '../src/io.js';

const examples = fileURLToPath(new URL('../../../tenants/examples/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cw-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cw(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => void (out += t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => void (err += t.endsWith('\n') ? t : `${t}\n`),
  };
  const code = await main(['node', 'cw', ...args], io);
  return { code, out, err };
}

describe('cw render', () => {
  it('prints exactly what the operator would apply, as a YAML stream', async () => {
    const file = join(examples, 'azure-shared.yaml');
    const { code, out, err } = await cw('render', file);
    expect(err).toBe('');
    expect(code).toBe(0);
    const printed = parseAllDocuments(out).map((d) => d.toJS());
    expect(printed).toEqual(renderTenant(parseTenant(parse(readFileSync(file, 'utf8')))));
    expect(printed[0].kind).toBe('Namespace');
  });

  it('is deterministic', async () => {
    const a = await cw('render', join(examples, 'gcp-dedicated.yaml'));
    const b = await cw('render', join(examples, 'gcp-dedicated.yaml'));
    expect(a.out).toBe(b.out);
  });

  it('writes one file per object with --out, in apply order', async () => {
    const out = join(dir, 'initech');
    const { code, out: text } = await cw('render', join(examples, 'local.yaml'), '--out', out);
    expect(code).toBe(0);
    const files = readdirSync(out).sort();
    expect(text).toContain(`wrote ${files.length} objects to ${out}`);
    expect(files[0]).toBe('00-namespace-tenant-initech.yaml');
    expect(files.at(-1)).toMatch(/-httproute-cerebro\.yaml$/);
    const objects = files.map((f) => parse(readFileSync(join(out, f), 'utf8')));
    expect(objects).toEqual(
      renderTenant(parseTenant(parse(readFileSync(join(examples, 'local.yaml'), 'utf8')))),
    );
  });

  it('renders for an older cluster when told what it serves', async () => {
    // gcp-dedicated runs several replicas: PodDisruptionBudgets exist from two replicas on.
    const { out } = await cw(
      'render',
      join(examples, 'gcp-dedicated.yaml'),
      '--served-api-versions',
      'v1,apps/v1,policy/v1beta1',
    );
    const pdb = parseAllDocuments(out)
      .map((d) => d.toJS())
      .find((o) => o.kind === 'PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1beta1');
  });

  it('prints validation problems as cw validate does and renders nothing', async () => {
    const file = join(dir, 'bad.yaml');
    const t = parse(readFileSync(join(examples, 'local.yaml'), 'utf8'));
    writeFileSync(
      file,
      JSON.stringify({ ...t, spec: { ...t.spec, seats: 50, cloud: { provider: 'local', region: 'moon' } } }),
    );
    const { code, out, err } = await cw('render', file);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(`${file}: spec.seats: 50 seats is outside the starter plan's range 1-10`);
    expect(err).toContain(`${file}: spec.cloud.region:`);
    expect(err).toMatch(/cw: 2 problems in .*bad\.yaml; nothing rendered/);
  });

  it('names the field when a valid Tenant cannot be rendered', async () => {
    const file = join(dir, 'mismatch.yaml');
    const t = parse(readFileSync(join(examples, 'aws-shared.yaml'), 'utf8'));
    t.spec.bindings.vault.kind = 'azure-key-vault';
    writeFileSync(file, JSON.stringify(t));
    const { code, err } = await cw('render', file);
    expect(code).toBe(1);
    expect(err).toContain(`${file}: spec.bindings.vault.kind: "azure-key-vault" cannot be mounted on aws`);
  });

  it('explains a missing file', async () => {
    const { code, err } = await cw('render', join(dir, 'nope.yaml'));
    expect(code).toBe(1);
    expect(err).toContain('nope.yaml: cannot read file: no such file');
  });
});
