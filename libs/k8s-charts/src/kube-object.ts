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
  return sortedCopy(value, false);
}

/**
 * A deep copy of rendered JSON as cdk8s's synth gives it: object keys sorted at every level, null
 * and undefined object values dropped, and anything but plain objects, arrays and primitives
 * refused (a class instance, e.g. an unresolved cdk8s token, is a bug in a construct).
 */
export function sanitizedCopy<T>(value: T): T;
export function sanitizedCopy(value: unknown): unknown {
  return sortedCopy(value, true);
}

/** sortKeys, and with `sanitize` sanitizedCopy: one walk for both. */
function sortedCopy(value: unknown, sanitize: boolean): unknown {
  if (value === null || typeof value !== 'object') return sanitize ? (value ?? undefined) : value;
  if (Array.isArray(value)) return value.map((v: unknown) => sortedCopy(v, sanitize));
  if (sanitize) {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null)
      throw new Error(`can't render non-simple object of type '${(value as object).constructor?.name}'`);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined && !(sanitize && v === null)) out[key] = sortedCopy(v, sanitize);
  }
  return out;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The object's metadata with its applied-hash annotation taken out (and annotations dropped when that was the only one). */
function withoutAppliedHash(metadata: KubeObject['metadata']): KubeObject['metadata'] {
  const annotations = { ...(metadata.annotations ?? {}) };
  delete annotations[ANNOTATION_APPLIED_HASH];
  return { ...metadata, annotations: Object.keys(annotations).length > 0 ? annotations : undefined };
}

/** Content hash of an object, ignoring the applied-hash annotation itself. */
export function contentHash(obj: KubeObject): string {
  return sha256(canonicalJson({ ...obj, metadata: withoutAppliedHash(obj.metadata) })).slice(0, 24);
}

/**
 * Returns a copy of the object carrying its content hash, keys sorted at every level. Sorted once:
 * the hash is taken of the sorted copy (its JSON is the canonical form), then the annotation is
 * put in, re-sorting only the two objects it changes.
 */
export function withAppliedHash(obj: KubeObject): KubeObject {
  const sorted = sanitizedCopy(obj);
  const metadata = withoutAppliedHash(sorted.metadata);
  const hash = sha256(JSON.stringify({ ...sorted, metadata })).slice(0, 24);
  return {
    ...sorted,
    metadata: shallowSorted({
      ...metadata,
      annotations: shallowSorted({ ...metadata.annotations, [ANNOTATION_APPLIED_HASH]: hash }),
    }),
  };
}

/** A copy with the top-level keys sorted and undefined values dropped (values are not copied). */
function shallowSorted<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out as T;
}
