// Fault rules of the fault proxy: what to inject, into which requests, and how matching works.
import { READ_VERBS, resourceMatches, WRITE_VERBS, type KubeVerb, type RequestInfo } from './request-info.js';

export type Fault =
  /** Delay before forwarding (cumulative with other matching latency rules). */
  | { readonly type: 'latency'; readonly ms: number; readonly jitterMs?: number }
  /** Answer with this status code and a Kubernetes Status body (500 InternalError, 503, 504…). */
  | { readonly type: 'error'; readonly code: number; readonly reason?: string; readonly message?: string }
  /** 429 TooManyRequests with a Retry-After header, as API Priority and Fairness answers. */
  | { readonly type: 'throttle'; readonly retryAfterSeconds?: number }
  /** 409 Conflict ("the object has been modified"); only ever fires on write verbs. */
  | { readonly type: 'conflict' }
  /** Let a watch connect, then cut the connection after `afterMs` (default 0); watch verbs only. */
  | { readonly type: 'drop-watch'; readonly afterMs?: number }
  /** Destroy the connection without answering. */
  | { readonly type: 'reset' };

export interface RequestMatch {
  /** A verb, several, or `write` (create/update/patch/delete/deletecollection) / `read` (get/list/watch). */
  readonly verb?: KubeVerb | 'write' | 'read' | readonly KubeVerb[];
  /** Resource pattern(s); see resourceMatches: `deployments`, `deployments.apps`, `pods/status`, `pods/*`. */
  readonly resource?: string | readonly string[];
  readonly namespace?: string;
  readonly name?: string;
  readonly when?: (req: RequestInfo) => boolean;
}

export interface FaultRule extends RequestMatch {
  readonly fault: Fault;
  /**
   * Probability in [0, 1] that a matching request gets the fault (seeded, reproducible).
   * @default 1
   */
  readonly rate?: number;
  /** Stop after injecting this many times. */
  readonly times?: number;
}

export interface FaultHandle {
  /** How many times this rule fired. */
  readonly injected: number;
  remove(): void;
}

/** Does the request match? Exported for tests and custom counters. */
export function matches(match: RequestMatch, info: RequestInfo): boolean {
  if (match.verb !== undefined) {
    const verbs: readonly KubeVerb[] =
      match.verb === 'write'
        ? WRITE_VERBS
        : match.verb === 'read'
          ? READ_VERBS
          : typeof match.verb === 'string'
            ? [match.verb]
            : match.verb;
    if (!verbs.includes(info.verb)) return false;
  }
  if (match.resource !== undefined) {
    const patterns = typeof match.resource === 'string' ? [match.resource] : match.resource;
    if (!patterns.some((p) => resourceMatches(p, info))) return false;
  }
  if (match.namespace !== undefined && match.namespace !== info.namespace) return false;
  if (match.name !== undefined && match.name !== info.name) return false;
  return match.when ? match.when(info) : true;
}

/** Small seeded PRNG so rate-based faults replay with the same seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
