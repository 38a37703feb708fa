/**
 * The platform stack of one cloud (what `cw platform synth` and infra/platform write): nine
 * modules (kubernetes, database, LLM, search, vault, registry, identity, networking, DNS) and the
 * remote state backend, from the same platform.yaml the tenant stacks read.
 */
import { buildAwsPlatformStack } from './aws/platform.stack.js';
import { buildAzurePlatformStack } from './azure/platform.stack.js';
import { addStateBackend } from './core/backend.js';
import type { PlatformConfig } from './core/platform-config.js';
import {
  countResources,
  newStack,
  synthStack,
  withoutTokenStackTraces,
  writeStack,
  type TerraformJson,
} from './core/synth.js';
import { buildGcpPlatformStack } from './gcp/platform.stack.js';
import type { SynthOptions } from './tenant-stack.js';

export interface PlatformStackResult {
  json: TerraformJson;
  resourceCount: number;
  files: string[];
}

export function synthesizePlatformStack(
  config: PlatformConfig,
  opts: SynthOptions = {},
): PlatformStackResult {
  const json = withoutTokenStackTraces(() => {
    const stack = newStack(`platform-${config.cloud}`);
    addStateBackend(stack, config, { kind: 'platform' });
    if (config.cloud === 'azure') buildAzurePlatformStack(stack, config);
    else if (config.cloud === 'aws') buildAwsPlatformStack(stack, config);
    else buildGcpPlatformStack(stack, config);
    return synthStack(stack);
  });
  return {
    json,
    resourceCount: countResources(json),
    files: opts.outDir ? writeStack(json, opts.outDir) : [],
  };
}
