import { join } from 'node:path';
import { Command } from 'commander';
import { formatIssue, validateTenant, type Tenant } from '@cw/tenant-model';
import { documentLabel, loadDocuments } from '../documents.js';
import { CliError, type Io } from '../io.js';

type CloudStacks = typeof import('@cw/cloud-stacks');

/** cdktf and the providers load only when a stack is synthesized, not for every cw command. */
export const loadCloudStacks = (): Promise<CloudStacks> => import('@cw/cloud-stacks');

/** Reads platform.yaml, turning its validation errors into a user error. */
export function readPlatform(lib: CloudStacks, file: string) {
  try {
    return lib.loadPlatformConfig(file);
  } catch (error) {
    if (error instanceof lib.PlatformConfigError) throw new CliError(error.message);
    throw error;
  }
}

export interface SynthOptions {
  out?: string;
  platform?: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Validates every Tenant of the file first; synthesizes only when all are valid. */
async function loadTenants(file: string, io: Io): Promise<Tenant[]> {
  const { docs, problems } = await loadDocuments(file);
  for (const problem of problems) io.err(`${problem.file}: ${problem.message}`);
  let issues = problems.length;
  const tenants: Tenant[] = [];
  for (const doc of docs) {
    const result = validateTenant(doc.value);
    if (result.ok) tenants.push(result.value);
    else {
      issues += result.issues.length;
      for (const issue of result.issues) io.err(`${documentLabel(doc)}: ${formatIssue(issue)}`);
    }
  }
  if (issues > 0) throw new CliError(`${plural(issues, 'problem')} in ${file}: nothing synthesized`);
  return tenants;
}

export async function synthTenants(file: string, opts: SynthOptions, io: Io): Promise<void> {
  const tenants = await loadTenants(file, io);
  const lib = await loadCloudStacks();
  const platform = opts.platform ? readPlatform(lib, opts.platform) : undefined;
  let failures = 0;
  for (const tenant of tenants) {
    const slug = tenant.metadata.name;
    const { provider, region } = tenant.spec.cloud;
    try {
      if (!lib.isPlatformCloud(provider)) {
        throw new lib.CloudStackError(
          `tenant "${slug}" runs on a local cluster (spec.cloud.provider: local): it has no cloud stack to synthesize; the local platform provides its vault, database and search`,
        );
      }
      if (!platform)
        io.err(
          `${slug}: no --platform given: using the built-in ${provider} defaults (placeholder ids, region ${region})`,
        );
      const outDir = opts.out
        ? tenants.length > 1
          ? join(opts.out, slug)
          : opts.out
        : join('tenants', slug, 'infra');
      const result = lib.synthesizeTenantStack(
        tenant,
        platform ?? lib.defaultPlatformConfig(provider, region),
        { outDir },
      );
      io.out(
        `${slug}: ${plural(result.resourceCount, 'resource')} (${provider} ${region}, ${tenant.spec.isolation}) -> ${result.files[0]}`,
      );
      const known = Object.keys(result.expectedBindings);
      io.out(
        `  bindings known now: ${known.join(', ') || 'none'}${result.pendingBindings.length ? `; after apply: ${result.pendingBindings.join(', ')}` : ''}`,
      );
    } catch (error) {
      if (!(error instanceof lib.CloudStackError)) throw error;
      failures += 1;
      io.err(`${file}: ${error.message}`);
    }
  }
  if (failures > 0) throw new CliError(`${plural(failures, 'tenant')} of ${tenants.length} not synthesized`);
}

export const synthCommand = (io: Io): Command =>
  new Command('synth')
    .description(
      'Write the cloud stack of each Tenant in FILE as Terraform JSON (cdk.tf.json): vault, database, search, workload identity',
    )
    .argument('<file>', 'Tenant manifest (YAML or JSON, several documents allowed)')
    .option(
      '-o, --out <dir>',
      'output directory; with several tenants, one sub-directory per slug (default: tenants/<slug>/infra)',
    )
    .option(
      '-p, --platform <file>',
      "platform.yaml of the platform hosting the tenants (default: built-in defaults of each tenant's cloud and region)",
    )
    .addHelpText(
      'after',
      '\nThe Tenant is validated first; local tenants have no cloud stack.\n\nExample:\n  npx cw synth tenants/examples/aws-shared.yaml --platform infra/platform/aws/platform.yaml --out /tmp/acme\n  terraform -chdir=/tmp/acme init && terraform -chdir=/tmp/acme plan',
    )
    .action((file: string, opts: SynthOptions) => synthTenants(file, opts, io));
