/**
 * The plain shape of a Kubernetes object as the operator applies it, plus the helpers that make
 * "an unchanged Tenant costs no writes" possible: a stable identity per object and a content
 * hash stamped on each object so the operator can tell what it last applied.
 */
import { createHash } from 'node:crypto';
import { TENANT_GROUP } from '@cw/tenant-model';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Hash of the desired object (without this annotation) as last applied by the operator. */
export const ANNOTATION_APPLIED_HASH = `${TENANT_GROUP}/applied-hash`;

/** API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export const apiGroup = (apiVersion: string): string =>
  apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';

/**
 * Identity of an object independent of the API version it is served under, so an object that
 * moves from policy/v1beta1 to policy/v1 is still the same object (not pruned and re-created).
 */
export const objectKey = (o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string =>
  `${apiGroup(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** JSON with object keys sorted at every level: equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** A deep copy with object keys sorted and undefined values dropped. */
export function sortKeys<T>(value: T): T;
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Content hash of an object, ignoring the applied-hash annotation itself. */
export function contentHash(obj: KubeObject): string {
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  delete annotations[ANNOTATION_APPLIED_HASH];
  const metadata = {
    ...obj.metadata,
    annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
  };
  return sha256(canonicalJson({ ...obj, metadata })).slice(0, 24);
}

/** Returns a copy of the object carrying its content hash. */
export function withAppliedHash(obj: KubeObject): KubeObject {
  const hash = contentHash(obj);
  return sortKeys({
    ...obj,
    metadata: {
      ...obj.metadata,
      annotations: { ...(obj.metadata.annotations ?? {}), [ANNOTATION_APPLIED_HASH]: hash },
    },
  });
}
