/**
 * Generates the Tenant CustomResourceDefinition from the zod schema, so the CRD can never
 * drift from the validation the platform applies. The output is a structural schema:
 * zod's JSON Schema is post-processed into the subset Kubernetes accepts (no $schema,
 * no additionalProperties:false, no unsafe integer bounds), with list-map markers for SSA.
 */
import { z } from 'zod';
import { stringify } from 'yaml';
import {
  TENANT_CRD_NAME,
  TENANT_GROUP,
  TENANT_KIND,
  TENANT_PLURAL,
  TENANT_SHORT_NAMES,
  TENANT_SINGULAR,
  TENANT_VERSION,
} from './constants.js';
import { SLUG_MAX, SLUG_MIN, SLUG_PATTERN } from './names.js';
import { tenantSpecSchema, tenantStatusSchema } from './schema.js';

type JsonSchema = { [key: string]: unknown };
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Lists whose items are merged by name under server-side apply. */
const LIST_MAP_KEYS: Record<string, string> = { engines: 'name', conditions: 'type', workloads: 'name' };

function toStructural(node: unknown, key?: string): unknown {
  if (Array.isArray(node)) return node.map((n) => toStructural(n));
  if (typeof node !== 'object' || node === null) return node;
  const src = node as JsonSchema;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === '$schema' || k === 'id' || k === '$id') continue;
    if (k === 'additionalProperties' && v === false) continue;
    if ((k === 'minimum' && v === -MAX_SAFE) || (k === 'maximum' && v === MAX_SAFE)) continue;
    if (k === 'properties') {
      out[k] = Object.fromEntries(
        Object.entries(v as JsonSchema).map(([pk, pv]) => [pk, toStructural(pv, pk)]),
      );
    } else out[k] = toStructural(v);
  }
  if (out.type === 'array' && key && LIST_MAP_KEYS[key]) {
    out['x-kubernetes-list-type'] = 'map';
    out['x-kubernetes-list-map-keys'] = [LIST_MAP_KEYS[key]];
  }
  return out;
}

/**
 * Defaults the API server must NOT apply: the field is left unset on the stored object so the
 * component that reads it decides. spec.routing(.mode): the operator's ROUTING_DEFAULT_MODE
 * fills it at render time; a CRD default would be written onto every Tenant at create and
 * shadow that setting for good. (The schema default still applies where no operator is
 * involved: validateTenant, `cw render` without the variable.)
 */
const NOT_DEFAULTED_BY_THE_API: ReadonlyArray<readonly string[]> = [['routing'], ['routing', 'mode']];

function dropDefault(schema: JsonSchema, path: readonly string[]): void {
  let node: JsonSchema | undefined = schema;
  for (const key of path) node = (node?.properties as Record<string, JsonSchema> | undefined)?.[key];
  if (!node || !('default' in node))
    throw new Error(`CRD generator: no default at spec.${path.join('.')} to drop`);
  delete node.default;
}

export function tenantSpecJsonSchema(): JsonSchema {
  const schema = toStructural(
    z.toJSONSchema(tenantSpecSchema, { io: 'input', target: 'openapi-3.0' }),
  ) as JsonSchema;
  for (const path of NOT_DEFAULTED_BY_THE_API) dropDefault(schema, path);
  return schema;
}

export function tenantStatusJsonSchema(): JsonSchema {
  return toStructural(
    z.toJSONSchema(tenantStatusSchema, { io: 'output', target: 'openapi-3.0' }),
  ) as JsonSchema;
}

export function generateTenantCrd(): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: TENANT_CRD_NAME,
      labels: { 'app.kubernetes.io/part-of': 'contextweaver', 'app.kubernetes.io/managed-by': 'cw' },
    },
    spec: {
      group: TENANT_GROUP,
      scope: 'Cluster',
      names: {
        kind: TENANT_KIND,
        listKind: `${TENANT_KIND}List`,
        plural: TENANT_PLURAL,
        singular: TENANT_SINGULAR,
        shortNames: [...TENANT_SHORT_NAMES],
        categories: ['contextweaver'],
      },
      versions: [
        {
          name: TENANT_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Plan', type: 'string', jsonPath: '.spec.plan', description: 'Plan of the tenant.' },
            {
              name: 'Cloud',
              type: 'string',
              jsonPath: '.spec.cloud.provider',
              description: 'Cloud the tenant runs on.',
            },
            { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Lifecycle phase.' },
            {
              name: 'Ready',
              type: 'string',
              jsonPath: '.status.conditions[?(@.type=="Ready")].status',
              description: 'Ready condition.',
            },
            { name: 'URL', type: 'string', jsonPath: '.status.url', description: 'URL of the tenant.' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'A ContextWeaver tenant: one customer organisation with its own namespace, cerebro, MCP engines, vault, database, search index and workload identity. metadata.name is the tenant slug.',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string', description: 'APIVersion of this object.' },
                kind: { type: 'string', description: 'Kind of this object.' },
                metadata: {
                  type: 'object',
                  properties: {
                    name: {
                      type: 'string',
                      minLength: SLUG_MIN,
                      maxLength: SLUG_MAX,
                      pattern: SLUG_PATTERN,
                    },
                  },
                },
                spec: tenantSpecJsonSchema(),
                status: tenantStatusJsonSchema(),
              },
            },
          },
        },
      ],
    },
  };
}

export const CRD_HEADER =
  '# Generated from libs/tenant-model by `npx cw crd`; do not edit by hand.\n' +
  '# Regenerate: npx cw crd > infra/k8s/crds/tenants.platform.contextweaver.io.yaml\n';

export function generateTenantCrdYaml(): string {
  return CRD_HEADER + stringify(generateTenantCrd(), { lineWidth: 0, aliasDuplicateObjects: false });
}
