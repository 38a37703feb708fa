/**
 * The terraform executor: runs the terraform (or tofu) CLI in the stack's directory — init with
 * the configured backend, plan, apply only when the plan has changes — and maps `output -json`
 * to the tenant's bindings. The binary is resolved when the provisioner starts, so a missing one
 * is a configuration error then, not a failed step later.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Tenant, TenantBindings } from '@cw/tenant-model';
import { ProvisioningConfigError } from '../errors.js';
import type { InfraApplyRequest, InfraApplyResult, InfraExecutor } from '../ports.js';

/** `terraform output -json`: `{ name: { value, type, sensitive } }`. */
export type TerraformOutputs = Readonly<
  Record<string, { value: unknown; type?: unknown; sensitive?: boolean }>
>;
/** Maps outputs to bindings; refuses sensitive outputs (bindings are references, never secrets). */
export type OutputsToBindings = (tenant: Tenant, outputs: TerraformOutputs) => TenantBindings;

export interface TerraformExecutorOptions {
  /** Absolute path of the terraform/tofu binary (see resolveTerraformBin). */
  readonly bin: string;
  /** `-backend-config` values for `init` (`key=value` pairs or a file). */
  readonly backendConfig?: readonly string[];
  readonly outputsToBindings: OutputsToBindings;
  /** Per command. @default 30 minutes */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** Resolves TERRAFORM_BIN (a path or a name on PATH) to an executable, or says what is wrong. */
export async function resolveTerraformBin(
  bin: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const executable = async (file: string) =>
    access(file, constants.X_OK).then(
      () => true,
      () => false,
    );
  if (bin.includes('/')) {
    const file = isAbsolute(bin) ? bin : resolve(bin);
    if (await executable(file)) return file;
    throw new ProvisioningConfigError(
      'TERRAFORM_BIN',
      `"${bin}" is not an executable file; install terraform or tofu, or unset TERRAFORM_BIN to use the gitops executor`,
    );
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (await executable(join(dir, bin))) return join(dir, bin);
  }
  throw new ProvisioningConfigError(
    'TERRAFORM_BIN',
    `"${bin}" was not found on PATH; install terraform or tofu, or unset TERRAFORM_BIN to use the gitops executor`,
  );
}

export class TerraformExecutor implements InfraExecutor {
  readonly kind = 'terraform' as const;

  constructor(private readonly options: TerraformExecutorOptions) {}

  async apply(request: InfraApplyRequest): Promise<InfraApplyResult> {
    const cwd = request.workingDir;
    await this.init(cwd);
    // -detailed-exitcode: 0 = no changes, 2 = changes; an unchanged stack is not applied again.
    const plan = await this.terraform(
      cwd,
      ['plan', '-input=false', '-no-color', '-detailed-exitcode', '-out=tfplan'],
      [0, 2],
    );
    let summary = 'terraform: no changes';
    if (plan.code === 2) {
      await this.terraform(cwd, ['apply', '-input=false', '-no-color', '-auto-approve', 'tfplan']);
      summary = `terraform: ${/Plan: [^\n]*/.exec(plan.stdout)?.[0] ?? 'applied'}`;
    }
    const { stdout } = await this.terraform(cwd, ['output', '-no-color', '-json']);
    const outputs = JSON.parse(stdout || '{}') as TerraformOutputs;
    return { bindings: this.options.outputsToBindings(request.tenant, outputs), summary };
  }

  async destroy(request: InfraApplyRequest): Promise<{ summary: string }> {
    const cwd = request.workingDir;
    await this.init(cwd);
    const { stdout } = await this.terraform(cwd, ['destroy', '-input=false', '-no-color', '-auto-approve']);
    return { summary: `terraform: ${/Destroy complete![^\n]*/.exec(stdout)?.[0] ?? 'destroyed'}` };
  }

  private init(cwd: string) {
    const backend = (this.options.backendConfig ?? []).map((c) => `-backend-config=${c}`);
    return this.terraform(cwd, ['init', '-input=false', '-no-color', ...backend]);
  }

  private terraform(
    cwd: string,
    args: string[],
    okCodes: number[] = [0],
  ): Promise<{ code: number; stdout: string }> {
    return new Promise((resolvePromise, reject) => {
      execFile(
        this.options.bin,
        args,
        {
          cwd,
          env: { ...(this.options.env ?? process.env), TF_IN_AUTOMATION: '1', TF_INPUT: '0' },
          timeout: this.options.timeoutMs ?? 30 * 60_000,
          maxBuffer: 64 * 1024 * 1024,
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          if (okCodes.includes(code)) return resolvePromise({ code, stdout });
          const why = (stderr || stdout || (error?.message ?? '')).trim().split('\n').slice(-15).join('\n');
          reject(new Error(`terraform ${args[0]} failed (exit ${code}): ${why.slice(0, 2000)}`));
        },
      );
    });
  }
}
