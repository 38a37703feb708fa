/** `cw synth` and `cw platform synth`, run in-process: files written, what is printed, and the errors a user meets. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const at = (path: string) => join(root, path);
const tmp = mkdtempSync(join(tmpdir(), 'cw-synth-'));

async function cw(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'cw', ...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const file = (name: string, text: string) => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};
const tenantYaml = (
  slug: string,
  cloud: string,
  region: string,
) => `apiVersion: platform.contextweaver.io/v1alpha1
kind: Tenant
metadata: { name: ${slug} }
spec:
  displayName: ${slug}
  plan: team
  seats: 10
  cloud: { provider: ${cloud}, region: ${region} }
  hostname: ${slug}.contextweaver.app
`;
const readJson = (path: string) =>
  JSON.parse(readFileSync(path, 'utf8')) as {
    resource: Record<string, Record<string, Record<string, unknown>>>;
  };

describe('cw synth', () => {
  it('writes cdk.tf.json with built-in defaults and says where it went and what the bindings will be', async () => {
    const out = join(tmp, 'contoso');
    const r = await cw('synth', at('tenants/examples/azure-shared.yaml'), '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `contoso: 13 resources (azure westeurope, shared) -> ${join(out, 'cdk.tf.json')}`,
    );
    expect(r.out).toContain('bindings known now: vault, database, search; after apply: identity.clientId');
    expect(r.err).toContain('no --platform given: using the built-in azure defaults');
    expect(Object.keys(readJson(join(out, 'cdk.tf.json')).resource)).toContain('azurerm_key_vault');
  });

  it('builds from a platform.yaml', async () => {
    const out = join(tmp, 'acme');
    const r = await cw(
      'synth',
      at('tenants/examples/aws-shared.yaml'),
      '--platform',
      at('infra/platform/aws/platform.yaml'),
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const role = Object.values(readJson(join(out, 'cdk.tf.json')).resource.aws_iam_role!)[0]!;
    expect(String(role.assume_role_policy)).toContain(
      'oidc.eks.eu-west-1.amazonaws.com/id/5C3B1A0F9E8D7C6B5A4F3E2D1C0B9A87:sub',
    );
  });

  it('says plainly that a local tenant has no cloud stack', async () => {
    const r = await cw('synth', at('tenants/examples/local.yaml'), '--out', join(tmp, 'local'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'tenant "initech" runs on a local cluster (spec.cloud.provider: local): it has no cloud stack to synthesize',
    );
    expect(existsSync(join(tmp, 'local'))).toBe(false);
  });

  it('says when the platform does not serve the tenant region or cloud', async () => {
    const eastus = file('eastus.yaml', tenantYaml('fabrikam', 'azure', 'eastus'));
    const r = await cw('synth', eastus, '--platform', at('infra/platform/azure/platform.yaml'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('tenant "fabrikam" is in azure region eastus but the platform serves westeurope');
    const other = await cw('synth', eastus, '--platform', at('infra/platform/gcp/platform.yaml'));
    expect(other.err).toContain('tenant "fabrikam" runs on azure but the platform configuration is for gcp');
  });

  it('validates the Tenant first and prints every issue', async () => {
    const bad = file('bad.yaml', tenantYaml('acme', 'aws', 'moon-1').replace('seats: 10', 'seats: 0'));
    const r = await cw('synth', bad, '--out', join(tmp, 'bad'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}: spec.seats: must be at least 1 (got number 0)`);
    expect(r.err).toContain(`${bad}: spec.cloud.region: "moon-1" is not a region of aws`);
    expect(r.err).toContain('nothing synthesized');
    expect(existsSync(join(tmp, 'bad'))).toBe(false);
  });

  it('names the bad field of a platform.yaml', async () => {
    const platform = file(
      'platform.yaml',
      readFileSync(at('infra/platform/gcp/platform.yaml'), 'utf8').replace(
        "projectNumber: '482915736204'",
        'projectNumber: abc',
      ),
    );
    const r = await cw('synth', at('tenants/examples/gcp-dedicated.yaml'), '--platform', platform);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cw: ${platform}: gcp.projectNumber: must be the numeric project number`);
  });

  it('writes one directory per tenant when the file holds several', async () => {
    const two = file(
      'two.yaml',
      `${tenantYaml('alpha', 'gcp', 'europe-west1')}---\n${tenantYaml('bravo', 'gcp', 'us-central1')}`,
    );
    const r = await cw('synth', two, '--out', join(tmp, 'two'));
    expect(r.code).toBe(0);
    expect(existsSync(join(tmp, 'two', 'alpha', 'cdk.tf.json'))).toBe(true);
    expect(existsSync(join(tmp, 'two', 'bravo', 'cdk.tf.json'))).toBe(true);
  });
});

describe('cw platform synth', () => {
  it('writes the platform stack of a cloud', async () => {
    const out = join(tmp, 'platform-aws');
    const r = await cw('platform', 'synth', '--cloud', 'aws', '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/aws platform \(eu-west-1\): \d+ resources -> .*platform-aws\/cdk\.tf\.json/);
    expect(Object.keys(readJson(join(out, 'cdk.tf.json')).resource)).toContain('aws_eks_cluster');
  });

  it('builds from a platform.yaml and refuses a contradicting --cloud', async () => {
    const ok = await cw(
      'platform',
      'synth',
      '--platform',
      at('infra/platform/azure/platform.yaml'),
      '--out',
      join(tmp, 'platform-azure'),
    );
    expect(ok.code).toBe(0);
    const clash = await cw(
      'platform',
      'synth',
      '--cloud',
      'gcp',
      '--platform',
      at('infra/platform/azure/platform.yaml'),
    );
    expect(clash.code).toBe(1);
    expect(clash.err).toContain('--cloud gcp but');
  });

  it('refuses unsupported clouds and regions, and a missing cloud', async () => {
    const local = await cw('platform', 'synth', '--cloud', 'local');
    expect(local.code).toBe(1);
    expect(local.err).toContain('unsupported cloud "local": expected azure, aws or gcp');
    const region = await cw('platform', 'synth', '--cloud', 'gcp', '--region', 'westeurope');
    expect(region.code).toBe(1);
    expect(region.err).toContain('--region: "westeurope" is not a region of gcp');
    const none = await cw('platform', 'synth');
    expect(none.err).toContain('say which platform: --cloud azure|aws|gcp, or --platform platform.yaml');
  });
});
