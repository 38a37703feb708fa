import { describe, expect, it } from 'vitest';
import { ProvisioningConfigError } from '../errors.js';
import { fakeTerraform } from '../testing/fake-terraform.js';
import { harness } from '../fakes.spec-helper.js';
import { startRun } from '../usecases/start-run.usecase.js';
import { cloudStacksBindings } from './cloud-stacks-synthesizer.js';
import { TerraformExecutor, resolveTerraformBin } from './terraform-executor.js';

const outputs = {
  vault_uri: { value: 'https://kv-cw-acme.vault.azure.net/', type: 'string' },
  database_endpoint: { value: 'https://cosmos-cw.documents.azure.com:443/', type: 'string' },
  database_name: { value: 'tenant-acme', type: 'string' },
  identity_client_id: { value: '11111111-2222-3333-4444-555555555555', type: 'string' },
};

describe('resolveTerraformBin', () => {
  it('finds a name on PATH and refuses a missing binary, naming TERRAFORM_BIN', async () => {
    const tf = fakeTerraform({});
    await expect(resolveTerraformBin('terraform', { PATH: `${tf.binDir}:/nonexistent` })).resolves.toBe(
      tf.bin,
    );
    await expect(resolveTerraformBin('tofu', { PATH: tf.binDir })).rejects.toThrow(ProvisioningConfigError);
    await expect(resolveTerraformBin('tofu', { PATH: tf.binDir })).rejects.toThrow(
      /^TERRAFORM_BIN: "tofu" was not found on PATH/,
    );
    await expect(resolveTerraformBin('/opt/none/terraform')).rejects.toThrow(
      /TERRAFORM_BIN: "\/opt\/none\/terraform" is not an executable file/,
    );
  });
});

describe('terraform executor', () => {
  it('runs init (with the backend config), plan, apply in the stack directory and maps outputs to bindings', async () => {
    const tf = fakeTerraform(outputs);
    const executor = new TerraformExecutor({
      bin: tf.bin,
      backendConfig: ['key=tenants/acme.tfstate'],
      outputsToBindings: cloudStacksBindings,
    });
    const withTf = harness({ overrides: { executor } });
    const tenant = withTf.store.addTenant({
      slug: 'acme',
      cloud: { provider: 'azure', region: 'westeurope' },
    });
    const { run } = await startRun(withTf.deps, {
      tenantId: tenant.id,
      goal: 'provision',
      correlationId: 'c',
      idempotencyKey: 'p',
    });
    await withTf.queue.drain(withTf.runner);
    const done = (await withTf.store.getRun(run.id))!;
    expect(done.status).toBe('succeeded');
    const infraDir = withTf.artifacts.path('acme', 'infra');
    expect(tf.calls()).toEqual([
      {
        cwd: infraDir,
        args: ['init', '-input=false', '-no-color', '-backend-config=key=tenants/acme.tfstate'],
      },
      { cwd: infraDir, args: ['plan', '-input=false', '-no-color', '-detailed-exitcode', '-out=tfplan'] },
      { cwd: infraDir, args: ['apply', '-input=false', '-no-color', '-auto-approve', 'tfplan'] },
      { cwd: infraDir, args: ['output', '-no-color', '-json'] },
    ]);
    expect(done.steps.find((s) => s.step === 'apply-infrastructure')!.message).toBe(
      'terraform: Plan: 3 to add, 0 to change, 0 to destroy.',
    );
    const applied = withTf.cluster!.tenants.get('acme')!;
    expect(applied.spec.bindings.identity).toEqual({ clientId: '11111111-2222-3333-4444-555555555555' });
    expect(applied.spec.bindings.vault).toEqual({
      uri: 'https://kv-cw-acme.vault.azure.net/',
      kind: 'azure-key-vault',
    });
  });

  it('does not apply an unchanged stack again, refuses sensitive outputs, and destroys on offboarding', async () => {
    const tf = fakeTerraform({ ...outputs, vault_uri: { value: 'x', sensitive: true } });
    const executor = new TerraformExecutor({ bin: tf.bin, outputsToBindings: cloudStacksBindings });
    const h = harness({ overrides: { executor } });
    const tenant = h.store.addTenant({ slug: 'secret', cloud: { provider: 'azure', region: 'westeurope' } });
    const { run } = await startRun(h.deps, {
      tenantId: tenant.id,
      goal: 'provision',
      correlationId: 'c',
      idempotencyKey: 'p',
    });
    await h.queue.drain(h.runner);
    const step = (await h.store.getRun(run.id))!.steps.find((s) => s.step === 'apply-infrastructure')!;
    expect(step.status).toBe('failed');
    expect(step.error).toMatch(/output "vault_uri" is marked sensitive/);
    // The apply itself happened once; later attempts found no changes.
    expect(tf.calls().filter((c) => c.args[0] === 'apply')).toHaveLength(1);
    expect(tf.calls().filter((c) => c.args[0] === 'plan').length).toBeGreaterThan(1);

    await executor.destroy({ workingDir: h.artifacts.path('secret', 'infra') } as Parameters<
      typeof executor.destroy
    >[0]);
    expect(tf.calls().at(-1)!.args).toEqual(['destroy', '-input=false', '-no-color', '-auto-approve']);
  });
});
