/**
 * The CDKTF app of one cloud's platform: reads the platform.yaml beside the entry (or
 * $PLATFORM_CONFIG), synthesizes the platform stack with @cw/cloud-stacks and writes
 * `<out>/cdk.tf.json`, where <out> is the first argument, else $CDKTF_OUTDIR, else
 * `cdktf.out/` beside the entry. Terraform runs in <out> (docs/clouds.md).
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlatformConfig, synthesizePlatformStack, type PlatformCloud } from '@cw/cloud-stacks';

export function runPlatformApp(cloud: PlatformCloud, entryUrl: string): void {
  const here = dirname(fileURLToPath(entryUrl));
  const configPath = process.env.PLATFORM_CONFIG ?? join(here, 'platform.yaml');
  const config = loadPlatformConfig(configPath);
  if (config.cloud !== cloud)
    throw new Error(`${configPath} describes a ${config.cloud} platform, not ${cloud}`);
  const outDir = process.argv[2] ?? process.env.CDKTF_OUTDIR ?? join(here, 'cdktf.out');
  const result = synthesizePlatformStack(config, { outDir });
  const file = result.files[0]!;
  const shown = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file);
  process.stdout.write(`${cloud} platform: ${result.resourceCount} resources -> ${shown}\n`);
}
