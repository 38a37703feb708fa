/**
 * Configuration is checked at start: a wrong or missing variable stops the provisioner before it
 * takes a job, naming the variable — notably a TERRAFORM_BIN that is not there.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProvisioningConfigError, provisioningConfigFromEnv } from '@cw/provisioning';
import { fakeTerraform } from '@cw/provisioning/testing';
import { startProcess } from '@cw/testing/processes';
import { bootstrapProvisioner } from '../src/index.js';
import { provisionerEnv } from './support/fixtures.js';

const emptyDir = () => mkdtempSync(join(tmpdir(), 'cw-empty-path-'));

describe('provisioner configuration', () => {
  it('refuses to start when TERRAFORM_BIN is not on PATH: the process exits 1 naming the variable', async () => {
    const { env } = provisionerEnv({
      TERRAFORM_BIN: 'tofu',
      PLATFORM_CONFIG: 'platform.yaml',
      PATH: `${emptyDir()}:/usr/bin:/bin`,
    });
    const worker = startProcess('provisioner', env);
    const { code } = await worker.exited;
    expect(code).toBe(1);
    expect(worker.output()).toContain(
      'provisioner: configuration error: TERRAFORM_BIN: "tofu" was not found on PATH',
    );
  });

  it('checks TERRAFORM_BIN in-process too, and accepts a terraform found on PATH', async () => {
    const { env } = provisionerEnv({
      TERRAFORM_BIN: 'terraform',
      PLATFORM_CONFIG: 'x.yaml',
      PATH: emptyDir(),
    });
    await expect(bootstrapProvisioner({ env })).rejects.toThrow(
      /^TERRAFORM_BIN: "terraform" was not found on PATH/,
    );
    const tf = fakeTerraform({});
    // Found: the next problem is the platform file, i.e. the binary check passed.
    await expect(bootstrapProvisioner({ env: { ...env, PATH: tf.binDir } })).rejects.toThrow(
      /^PLATFORM_CONFIG: \/.*\/x\.yaml: cannot read file: no such file/,
    );
    expect(tf.calls()).toEqual([]);
  });

  it('names the variable that is missing or wrong', () => {
    const base = provisionerEnv().env;
    const problem = (env: NodeJS.ProcessEnv) => {
      try {
        provisioningConfigFromEnv(env);
        return undefined;
      } catch (error) {
        expect(error).toBeInstanceOf(ProvisioningConfigError);
        return (error as Error).message;
      }
    };
    expect(problem({ ...base, REDIS_URL: undefined })).toBe('REDIS_URL: is required');
    expect(problem({ ...base, REDIS_URL: 'localhost:6379' })).toBe(
      'REDIS_URL: must be a redis:// or rediss:// URL',
    );
    expect(problem({ ...base, PROVISIONER_CONCURRENCY: 'many' })).toMatch(
      /^PROVISIONER_CONCURRENCY: .*positive whole number/,
    );
    expect(problem({ ...base, TERRAFORM_BIN: 'terraform' })).toMatch(
      /^PLATFORM_CONFIG: is required with TERRAFORM_BIN/,
    );
    expect(problem({ ...base, MAIL_TRANSPORT: 'smtp' })).toBe(
      'SMTP_URL: is required with MAIL_TRANSPORT=smtp',
    );
    expect(problem(base)).toBeUndefined();
  });

  it('names every bad variable at once, the schema and the cross-variable rules', () => {
    const env = {
      ...provisionerEnv().env,
      REDIS_URL: 'localhost:6379',
      PROVISIONER_CONCURRENCY: 'many',
      MAIL_TRANSPORT: 'smtp',
      TERRAFORM_BIN: 'tofu',
    };
    let error: unknown;
    try {
      provisioningConfigFromEnv(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProvisioningConfigError);
    const problems = (error as ProvisioningConfigError).problems.map((p) => p.variable);
    expect(problems.sort()).toEqual(['PLATFORM_CONFIG', 'PROVISIONER_CONCURRENCY', 'REDIS_URL', 'SMTP_URL']);
    expect((error as Error).message).toMatch(/^4 configuration problems:\n {2}REDIS_URL: must be a redis/);
  });
});
