import { join } from 'node:path';
import { Command } from 'commander';
import { CliError, type Io } from '../io.js';
import { loadCloudStacks, readPlatform } from './synth.command.js';

export interface PlatformSynthOptions {
  cloud?: string;
  region?: string;
  out?: string;
  platform?: string;
}

export async function synthPlatform(opts: PlatformSynthOptions, io: Io): Promise<void> {
  const lib = await loadCloudStacks();
  if (opts.cloud !== undefined && !lib.isPlatformCloud(opts.cloud)) {
    const hint =
      opts.cloud === 'local'
        ? ' (a local cluster has no platform stack: `npm start` runs the local platform)'
        : '';
    throw new CliError(`unsupported cloud "${opts.cloud}": expected azure, aws or gcp${hint}`);
  }
  let config;
  if (opts.platform) {
    config = readPlatform(lib, opts.platform);
    if (opts.cloud && opts.cloud !== config.cloud)
      throw new CliError(`--cloud ${opts.cloud} but ${opts.platform} describes a ${config.cloud} platform`);
    if (opts.region && opts.region !== config.region)
      throw new CliError(`--region ${opts.region} but ${opts.platform} serves ${config.region}`);
  } else if (lib.isPlatformCloud(opts.cloud)) {
    try {
      config = lib.defaultPlatformConfig(opts.cloud, opts.region);
    } catch (error) {
      if (error instanceof lib.PlatformConfigError)
        throw new CliError(error.issues.map((i) => `--${i.path}: ${i.message}`).join('; '));
      throw error;
    }
    io.err(
      `no --platform given: using the built-in ${config.cloud} defaults (placeholder ids, region ${config.region})`,
    );
  } else {
    throw new CliError('say which platform: --cloud azure|aws|gcp, or --platform platform.yaml');
  }
  const outDir = opts.out ?? join('cdktf.out', `platform-${config.cloud}`);
  const result = lib.synthesizePlatformStack(config, { outDir });
  io.out(
    `${config.cloud} platform (${config.region}): ${result.resourceCount} resources -> ${result.files[0]}`,
  );
  io.out(`  next: terraform -chdir=${outDir} init && terraform -chdir=${outDir} plan`);
}

export const platformCommand = (io: Io): Command => {
  const synth = new Command('synth')
    .description(
      'Write the platform stack of a cloud as Terraform JSON (cdk.tf.json): cluster, database, LLM, search, vault, registry, identity, network, DNS',
    )
    .option('-c, --cloud <cloud>', 'azure, aws or gcp')
    .option(
      '-r, --region <region>',
      'region, with the built-in defaults (default: westeurope, eu-west-1, europe-west1)',
    )
    .option('-p, --platform <file>', 'platform.yaml to build from (default: built-in defaults of --cloud)')
    .option('-o, --out <dir>', 'output directory (default: cdktf.out/platform-<cloud>)')
    .addHelpText(
      'after',
      '\nExample:\n  npx cw platform synth --platform infra/platform/azure/platform.yaml --out /tmp/platform-azure',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .action((opts: PlatformSynthOptions) => synthPlatform(opts, io));
  return new Command('platform')
    .description('Platform stacks (what the provider runs once per cloud)')
    .addCommand(synth);
};
