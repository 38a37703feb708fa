/**
 * Where a tenant's workloads may connect outside their namespace: the endpoints of its bindings
 * (spec.bindings), classified into what a NetworkPolicy can express. NetworkPolicy speaks IPs and
 * namespaces, not host names, so a public host name becomes "public addresses on its port" while
 * cluster-private ranges stay closed.
 */
import { isIP } from 'node:net';
import { tenantNamespace, type TenantSpec } from '@cw/tenant-model';
import { RenderIssue } from './constructs/api.js';

export type EgressTarget =
  | { readonly kind: 'public'; readonly host: string; readonly port: number; readonly field: string }
  | { readonly kind: 'ip'; readonly ip: string; readonly port: number; readonly field: string }
  | {
      readonly kind: 'namespace';
      readonly namespace: string;
      readonly host: string;
      readonly port: number;
      readonly field: string;
    };

/** Address ranges that are never opened by a host-name rule: pod, service and node networks, metadata. */
export const PRIVATE_RANGES = [
  '10.0.0.0/8',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
] as const;

const DEFAULT_PORTS: Record<string, number> = {
  'https:': 443,
  'http:': 80,
  'postgres:': 5432,
  'postgresql:': 5432,
  'mongodb:': 27017,
  'rediss:': 6380,
  'redis:': 6379,
};
const SERVICE_HOST =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?$/;
const HOST_PORT = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;

interface HostPort {
  host: string;
  port: number;
}

function parseEndpoint(text: string): HostPort | 'google-api' | 'aws-api' | undefined {
  if (text.startsWith('projects/')) return 'google-api';
  if (text.startsWith('arn:')) return 'aws-api';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
      if (!url.hostname || !port) return undefined;
      return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
    } catch {
      return undefined;
    }
  }
  const m = HOST_PORT.exec(text);
  if (m) return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/i.test(text))
    return { host: text, port: 443 };
  return undefined;
}

/** The egress targets of a tenant's bindings; throws RenderIssue naming the field of a bad endpoint. */
export function bindingEgressTargets(slug: string, spec: TenantSpec): EgressTarget[] {
  const b = spec.bindings;
  const candidates: Array<[string, string | undefined]> = [
    // A `kubernetes` vault is reached through External Secrets, not by the workloads.
    ['spec.bindings.vault.uri', b.vault && b.vault.kind !== 'kubernetes' ? b.vault.uri : undefined],
    ['spec.bindings.database.endpoint', b.database?.endpoint],
    ['spec.bindings.search.endpoint', b.search?.endpoint],
    ['spec.bindings.llm.endpoint', b.llm?.endpoint],
  ];
  const own = tenantNamespace(slug);
  const targets: EgressTarget[] = [];
  for (const [field, text] of candidates) {
    if (text === undefined) continue;
    const parsed = parseEndpoint(text);
    if (parsed === undefined) {
      throw new RenderIssue(
        field,
        `"${text}" is not an endpoint (expected a URL such as https://host:443, host:port, an ARN or a GCP resource name)`,
      );
    }
    if (parsed === 'google-api') {
      targets.push({ kind: 'public', host: 'googleapis.com', port: 443, field });
      continue;
    }
    if (parsed === 'aws-api') {
      const [, , service, region] = text.split(':');
      targets.push({
        kind: 'public',
        host: `${service}.${region || 'us-east-1'}.amazonaws.com`,
        port: 443,
        field,
      });
      continue;
    }
    const { host, port } = parsed;
    if (isIP(host)) {
      targets.push({ kind: 'ip', ip: host, port, field });
      continue;
    }
    const svc = SERVICE_HOST.exec(host);
    if (svc) {
      const namespace = svc[3]!;
      if (namespace === own) continue; // same namespace is already allowed
      if (namespace.startsWith('tenant-')) {
        throw new RenderIssue(
          field,
          `"${text}" points into another tenant's namespace ${namespace}; tenants never reach each other`,
        );
      }
      targets.push({ kind: 'namespace', namespace, host, port, field });
      continue;
    }
    // A single-label name resolves inside the tenant's own namespace.
    if (!host.includes('.')) continue;
    targets.push({ kind: 'public', host: host.toLowerCase(), port, field });
  }
  return targets;
}
