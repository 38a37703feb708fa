/** The cw command as a user runs it: a child process, its exit code, stdout and stderr. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cw = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(root, 'tools/cli/bin/cw.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const tmp = mkdtempSync(join(tmpdir(), 'cw-cli-'));
const file = (name: string, text: string) => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};

const valid = `apiVersion: platform.contextweaver.io/v1alpha1
kind: Tenant
metadata: { name: acme }
spec:
  displayName: Acme
  plan: team
  seats: 10
  cloud: { provider: aws, region: eu-west-1 }
  hostname: acme.contextweaver.app
`;

describe('cw (as a process)', () => {
  it('cw crd prints the checked-in CRD', () => {
    const r = cw('crd');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      readFileSync(join(root, 'infra/k8s/crds/tenants.platform.contextweaver.io.yaml'), 'utf8'),
    );
  });

  it('cw validate accepts every example and prints a one-line summary', () => {
    const r = cw(
      'validate',
      'tenants/examples/aws-shared.yaml',
      'tenants/examples/azure-shared.yaml',
      'tenants/examples/gcp-dedicated.yaml',
      'tenants/examples/local.yaml',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe('ok: 4 Tenants valid in 4 files');
  });

  it('five different mistakes give five messages with field paths and exit 1', () => {
    const bad = file(
      'five.yaml',
      valid
        .replace('plan: team', 'plan: gold')
        .replace('seats: 10', 'seats: ten')
        .replace('region: eu-west-1', 'region: moon-1')
        .replace('acme.contextweaver.app', 'Acme_Host')
        .replace('name: acme', 'name: kube-system'),
    );
    const r = cw('validate', bad);
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines).toEqual([
      `${bad}: spec.plan: "gold" is not allowed (expected one of starter, team, enterprise)`,
      `${bad}: spec.seats: must be a number (got "ten")`,
      `${bad}: spec.hostname: "Acme_Host" must be a lowercase DNS name such as "acme.contextweaver.app"`,
      `${bad}: metadata.name: "kube-system" is reserved; choose another name`,
      expect.stringMatching(
        new RegExp(
          `^${bad}: spec\\.cloud\\.region: "moon-1" is not a region of aws \\(expected one of us-east-1, .*\\)$`,
        ),
      ),
      'cw: 5 problems in 1 of 1 document (1 file)',
    ]);
  });

  it('multi-document YAML and JSON files; each problem names its document', () => {
    const multi = file('multi.yaml', `${valid}---\n${valid.replace('seats: 10', 'seats: 0')}`);
    const json = file(
      'one.json',
      JSON.stringify({
        apiVersion: 'platform.contextweaver.io/v1alpha1',
        kind: 'Tenant',
        metadata: { name: 'json-co' },
        spec: {
          displayName: 'J',
          plan: 'starter',
          seats: 1,
          cloud: { provider: 'local', region: 'local' },
          hostname: 'j.example.com',
        },
      }),
    );
    const r = cw('validate', multi, json);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${multi} (document 2): spec.seats: must be at least 1 (got number 0)`);
    expect(r.err).not.toContain('document 1');
    expect(r.err).not.toContain(json);
    expect(cw('validate', json).out.trim()).toBe('ok: 1 Tenant valid in 1 file');
  });

  it('bad YAML is reported with line and column', () => {
    const r = cw('validate', file('broken.yaml', 'spec:\n  plan: [team\n  seats: 3\n'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/broken\.yaml: invalid YAML at line \d+, column \d+: /);
  });

  it('unreadable files and wrong kinds are explained', () => {
    const r = cw(
      'validate',
      join(tmp, 'missing.yaml'),
      tmp,
      file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n'),
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${join(tmp, 'missing.yaml')}: cannot read file: no such file`);
    expect(r.err).toContain(`${tmp}: cannot read file: is a directory`);
    expect(r.err).toContain('cm.yaml: apiVersion: must be "platform.contextweaver.io/v1alpha1" (got "v1")');
    expect(r.err).toContain('cm.yaml: kind: must be "Tenant" (got "ConfigMap")');
  });

  it.each([[], ['crd'], ['validate']])('--help works for cw %j', (...args) => {
    const r = cw(...args, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: cw/);
  });

  it('validate without files is a usage error', () => {
    const r = cw('validate');
    expect(r.code).toBe(1);
    expect(r.err).toContain("missing required argument 'files'");
  });
});
