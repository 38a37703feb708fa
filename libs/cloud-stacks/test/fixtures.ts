/** Tenants, platform configurations and JSON lookups shared by the cloud-stacks specs. */
import { parseTenant, type Tenant } from '@cw/tenant-model';
import type { TerraformJson } from '../src/core/synth.js';

/** 40 characters: the longest slug there is. */
export const LONG_SLUG = 'northwind-traders-international-holdings';

type Cloud = 'azure' | 'aws' | 'gcp' | 'local';
const REGION: Record<Cloud, string> = {
  azure: 'westeurope',
  aws: 'eu-west-1',
  gcp: 'europe-west1',
  local: 'local',
};

export interface TenantOptions {
  slug?: string;
  cloud?: Cloud;
  region?: string;
  isolation?: 'shared' | 'dedicated';
  secretKey?: string;
}

export function makeTenant(opts: TenantOptions = {}): Tenant {
  const cloud = opts.cloud ?? 'azure';
  const slug = opts.slug ?? 'acme';
  const isolation = opts.isolation ?? 'shared';
  return parseTenant({
    apiVersion: 'platform.contextweaver.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name: slug },
    spec: {
      displayName: 'Acme',
      plan: isolation === 'dedicated' ? 'enterprise' : 'team',
      seats: 25,
      cloud: { provider: cloud, region: opts.region ?? REGION[cloud] },
      isolation,
      hostname: `${slug}.contextweaver.app`,
      ...(opts.secretKey && {
        identity: {
          issuer: 'https://login.example.com',
          clientId: 'cerebro',
          clientSecretRef: { key: opts.secretKey },
        },
      }),
    },
  });
}

export type Resource = Record<string, unknown> & { '//'?: unknown };

/** Every resource of a type, by logical name. */
export const resourcesOf = (json: TerraformJson, type: string): Record<string, Resource> =>
  (json.resource?.[type] ?? {}) as Record<string, Resource>;

export const listOf = (json: TerraformJson, type: string): Resource[] =>
  Object.values(resourcesOf(json, type));

/** The one resource of a type (fails the test when there are none or several). */
export function only(json: TerraformJson, type: string): Resource {
  const all = listOf(json, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0]!;
}

/** `${type.name...}` reference to the (single) resource of a type. */
export function refOf(json: TerraformJson, type: string, attribute: string): string {
  const names = Object.keys(resourcesOf(json, type));
  if (names.length !== 1) throw new Error(`expected one ${type}, found ${names.length}`);
  return `\${${type}.${names[0]}.${attribute}}`;
}

export const typesOf = (json: TerraformJson): string[] => Object.keys(json.resource ?? {}).sort();

/** Every string in a JSON value (policy documents are parsed too). */
export function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => allStrings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => allStrings(v, out));
  return out;
}

/** Keys that would hold secret material if they appeared in a resource or output. */
export const SECRET_KEYS =
  /^(password|secret|secret_string|secret_data|client_secret|access_key|secret_key|private_key|primary_key|secondary_key|connection_string|primary_master_key|sas_token|token|admin_password)$/;

export function keysDeep(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => keysDeep(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      keysDeep(v, out);
    }
  }
  return out;
}
