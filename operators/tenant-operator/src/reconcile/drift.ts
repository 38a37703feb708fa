/**
 * Whether a desired object must be applied: the one question behind "an unchanged Tenant costs no
 * writes". An object is left alone when the live copy carries the hash of this exact desired
 * object (nothing changed on our side) and still holds every field we set (nothing was edited
 * by hand). Server-side defaults added to the live object do not count as drift; quantities
 * are compared by amount because the API server rewrites their spelling.
 */
import { ANNOTATION_APPLIED_HASH, sameQuantity, type KubeObject } from '@cw/k8s-charts';

export function containsDesired(desired: unknown, live: unknown): boolean {
  if (desired === live) return true;
  if (typeof desired === 'string' && typeof live === 'string') return sameQuantity(desired, live);
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      desired.length === live.length &&
      desired.every((d, i) => containsDesired(d, live[i]))
    );
  }
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    const l = live as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(
      ([k, v]) => v === undefined || containsDesired(v, l[k]),
    );
  }
  return false;
}

export type ApplyReason = 'missing' | 'changed' | 'drifted' | undefined;

/** Why `desired` must be applied over `live`, or undefined when it need not be. */
export function applyReason(desired: KubeObject, live: KubeObject | undefined): ApplyReason {
  if (!live) return 'missing';
  const want = desired.metadata.annotations?.[ANNOTATION_APPLIED_HASH];
  if (live.metadata.annotations?.[ANNOTATION_APPLIED_HASH] !== want) return 'changed';
  // Identity (apiVersion, kind, name) is given; list answers even omit apiVersion/kind on items.
  const { metadata, apiVersion: _v, kind: _k, ...body } = desired;
  const liveMeta = live.metadata;
  const metaOk =
    containsDesired(metadata.labels ?? {}, liveMeta.labels ?? {}) &&
    containsDesired(metadata.annotations ?? {}, liveMeta.annotations ?? {});
  if (!metaOk || !containsDesired(body, live)) return 'drifted';
  return undefined;
}
