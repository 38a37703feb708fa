/**
 * The synthesized JSON is valid Terraform JSON for the pinned providers: every resource type is
 * a class of the installed @cdktf/provider-* package (generated from that provider version's
 * schema), every attribute and nested block attribute is one of that class's properties, and
 * required_providers pins exactly the version the package was generated from. Also: every
 * taggable tenant resource carries the tenant tags, and nothing secret appears anywhere.
 */
import { createRequire } from 'node:module';
import { App, TerraformStack } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { defaultPlatformConfig } from '../src/core/platform-defaults.js';
import { parsePlatformConfig, type PlatformConfig } from '../src/core/platform-config.js';
import type { TerraformJson } from '../src/core/synth.js';
import { synthesizePlatformStack } from '../src/platform-stack.js';
import { synthesizeTenantStack } from '../src/tenant-stack.js';
import { LONG_SLUG, SECRET_KEYS, keysDeep, makeTenant } from './fixtures.js';

const require = createRequire(import.meta.url);
const PACKAGES = { azurerm: 'provider-azurerm', aws: 'provider-aws', google: 'provider-google' } as const;
type ProviderName = keyof typeof PACKAGES;
const META_ARGUMENTS = new Set(['depends_on', 'count', 'for_each', 'provider', 'lifecycle', '//']);
const MAP_ATTRIBUTES = new Set(['tags', 'labels', 'resource_labels', 'node_labels']);
const TAG_KEY: Record<ProviderName, string> = { azurerm: 'tags', aws: 'tags', google: 'labels' };

type Module = Record<string, unknown>;
type Struct = (value: object) => Record<string, unknown>;
const probeStack = new TerraformStack(new App({ outdir: process.cwd(), stackTraces: false }), 'probe');
let probes = 0;

const pascal = (snake: string) => snake.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

function providerOf(type: string): ProviderName {
  const name = type.split('_')[0] as ProviderName;
  if (!(name in PACKAGES)) throw new Error(`resource type ${type} belongs to no pinned provider`);
  return name;
}

function loadModule(provider: ProviderName, dir: string): Module {
  return require(
    `@cdktf/provider-${PACKAGES[provider].replace('provider-', '')}/lib/${dir}/index.js`,
  ) as Module;
}

/** The generated class of a resource type and the attribute names its config synthesizes. */
function resourceSchema(type: string): { module: Module; className: string; keys: Set<string> } {
  const provider = providerOf(type);
  const module = loadModule(provider, type.slice(provider.length + 1).replace(/_/g, '-'));
  const [className, cls] =
    Object.entries(module).find(
      ([, v]) => typeof v === 'function' && (v as { tfResourceType?: string }).tfResourceType === type,
    ) ?? [];
  if (!className || !cls) throw new Error(`no class for ${type}`);
  const instance = new (
    cls as new (s: TerraformStack, id: string, c: object) => { synthesizeAttributes(): object }
  )(probeStack, `p${probes++}`, {});
  return { module, className, keys: new Set(Object.keys(instance.synthesizeAttributes())) };
}

/** Unknown attribute paths of `value` against the struct `structName` (recursing into nested blocks). */
function unknownAttributes(
  module: Module,
  structName: string,
  keys: Set<string>,
  value: Record<string, unknown>,
  path: string,
): string[] {
  const problems: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (META_ARGUMENTS.has(key)) continue;
    if (!keys.has(key)) {
      problems.push(`${path}.${key}`);
      continue;
    }
    const items = Array.isArray(child) ? child : [child];
    const blocks = items.filter(
      (i): i is Record<string, unknown> => typeof i === 'object' && i !== null && !Array.isArray(i),
    );
    if (blocks.length === 0) continue;
    const nested = `${structName}${pascal(key)}`;
    const toTerraform = module[`${lowerFirst(nested)}ToTerraform`] as Struct | undefined;
    if (!toTerraform) {
      // Map attributes hold objects too; anything else without a struct is a block we cannot check.
      if (!MAP_ATTRIBUTES.has(key)) problems.push(`${path}.${key}: no nested schema found`);
      continue;
    }
    const nestedKeys = new Set(Object.keys(toTerraform({})));
    blocks.forEach((block, i) =>
      problems.push(...unknownAttributes(module, nested, nestedKeys, block, `${path}.${key}[${i}]`)),
    );
  }
  return problems;
}

function checkJson(json: TerraformJson): string[] {
  const problems: string[] = [];
  for (const [type, byName] of Object.entries(json.resource ?? {})) {
    const { module, className, keys } = resourceSchema(type);
    for (const [name, resource] of Object.entries(byName))
      problems.push(...unknownAttributes(module, className, keys, resource, `${type}.${name}`));
  }
  for (const [provider, configs] of Object.entries(json.provider ?? {})) {
    const module = loadModule(provider as ProviderName, 'provider');
    const [className, cls] = Object.entries(module).find(([n]) => n.endsWith('Provider')) ?? [];
    const instance = new (
      cls as new (s: TerraformStack, id: string, c: object) => { synthesizeAttributes(): object }
    )(probeStack, `p${probes++}`, {});
    const keys = new Set(Object.keys(instance.synthesizeAttributes()));
    for (const config of configs)
      problems.push(
        ...unknownAttributes(
          module,
          className!,
          keys,
          config as Record<string, unknown>,
          `provider.${provider}`,
        ),
      );
  }
  return problems;
}

const azurePrivate = parsePlatformConfig({
  ...defaultPlatformConfig('azure'),
  azure: {
    ...defaultPlatformConfig('azure').azure,
    privateEndpoints: {
      subnetId: '/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/pe',
      dnsZoneIds: { vault: '/zones/vault' },
    },
  },
});
const awsVpce = parsePlatformConfig({
  ...defaultPlatformConfig('aws'),
  aws: { ...defaultPlatformConfig('aws').aws, searchVpcEndpointId: 'vpce-0abc' },
});

const tenantCases = (['azure', 'aws', 'gcp'] as const).flatMap((cloud) =>
  (['shared', 'dedicated'] as const).map((isolation) => ({
    name: `${cloud} ${isolation} tenant`,
    cloud,
    isolation,
  })),
);
const tenantJson = (
  cloud: 'azure' | 'aws' | 'gcp',
  isolation: 'shared' | 'dedicated',
  platform?: PlatformConfig,
) =>
  synthesizeTenantStack(
    makeTenant({ cloud, isolation, slug: LONG_SLUG, secretKey: 'oidc-client-secret' }),
    platform ?? defaultPlatformConfig(cloud),
  ).json;

describe('Terraform JSON against the pinned provider schemas', () => {
  it.each(tenantCases)('$name uses only known resource types and attributes', ({ cloud, isolation }) => {
    expect(checkJson(tenantJson(cloud, isolation))).toEqual([]);
  });

  it('tenant stacks with private endpoints and VPC endpoints use only known attributes', () => {
    expect(checkJson(tenantJson('azure', 'dedicated', azurePrivate))).toEqual([]);
    expect(checkJson(tenantJson('aws', 'dedicated', awsVpce))).toEqual([]);
  });

  it.each(['azure', 'aws', 'gcp'] as const)(
    '%s platform stack uses only known resource types and attributes',
    (cloud) => {
      expect(checkJson(synthesizePlatformStack(defaultPlatformConfig(cloud)).json)).toEqual([]);
    },
  );

  it('catches an unknown attribute and an unknown nested attribute', () => {
    const json = tenantJson('azure', 'shared');
    const vault = Object.values(json.resource!.azurerm_key_vault!)[0]!;
    vault.enable_magic = true;
    vault.network_acls = { bypass: 'None', default_action: 'Deny', wrong: 1 };
    expect(checkJson(json).map((p) => p.replace(/\.[^.]*_[0-9A-F]{8}\./, '.X.'))).toEqual([
      'azurerm_key_vault.X.enable_magic',
      'azurerm_key_vault.X.network_acls[0].wrong',
    ]);
  });

  it('pins each provider at the version its bindings were generated from', () => {
    for (const cloud of ['azure', 'aws', 'gcp'] as const) {
      const json = tenantJson(cloud, 'shared');
      const providers = json.terraform?.required_providers as Record<string, { version: string }>;
      for (const [name, { version }] of Object.entries(providers)) {
        const pkg = require(`@cdktf/${PACKAGES[name as ProviderName]}/package.json`) as {
          cdktf: { provider: { version: string } };
        };
        expect(version).toBe(pkg.cdktf.provider.version);
      }
    }
  });
});

describe('tenant stacks carry tags and no secrets', () => {
  it.each(tenantCases)(
    '$name: every taggable resource is tagged with tenant, plan and managed-by',
    ({ cloud, isolation }) => {
      const json = tenantJson(cloud, isolation);
      for (const [type, byName] of Object.entries(json.resource ?? {})) {
        const tagKey = TAG_KEY[providerOf(type)];
        if (!resourceSchema(type).keys.has(tagKey)) continue;
        for (const resource of Object.values(byName)) {
          expect(resource[tagKey], `${type} ${tagKey}`).toMatchObject({
            tenant: LONG_SLUG,
            plan: isolation === 'dedicated' ? 'enterprise' : 'team',
            'managed-by': 'contextweaver',
          });
        }
      }
    },
  );

  it.each(tenantCases)(
    '$name: no secret values, secret versions or sensitive outputs',
    ({ cloud, isolation }) => {
      const json = tenantJson(cloud, isolation);
      expect(keysDeep(json.resource).filter((k) => SECRET_KEYS.test(k))).toEqual([]);
      expect(
        Object.keys(json.resource ?? {}).filter((t) =>
          /secret_version|key_vault_secret$|access_key|_key_ring_import/.test(t),
        ),
      ).toEqual([]);
      for (const output of Object.values(json.output ?? {})) expect(output.sensitive).toBe(false);
    },
  );
});
