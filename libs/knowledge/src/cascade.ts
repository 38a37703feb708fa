/**
 * The five-level cascade over hits that already passed the backend's ACL filter:
 * 1. re-check every chunk's ACL in code (fail closed: a mismatch drops the hit and is reported);
 * 2. per policyKey, keep only the most specific level the searcher can read (the winners come
 *    from a second ACL-filtered query, so a P5 override counts even if it ranked below k).
 */
import type { StoredChunk } from './chunk.model.js';
import { levelRank } from './chunk.model.js';
import type { SearchPrincipal } from './acl.js';
import { mayRead } from './acl.js';
import type { SearchHit } from './backends/index.port.js';

export interface CascadeHit {
  readonly chunk: StoredChunk;
  readonly score: number;
}

export interface AclViolation {
  readonly chunkId: string;
  readonly reason: string;
}

export function recheck(
  searcher: SearchPrincipal,
  held: ReadonlySet<string>,
  chunks: readonly StoredChunk[],
  onViolation: (v: AclViolation) => void,
): StoredChunk[] {
  return chunks.filter((c) => {
    const d = mayRead(searcher, held, c);
    if (d.decision === 'allow') return true;
    onViolation({ chunkId: c.id, reason: d.reason });
    return false;
  });
}

/**
 * hits: fused and re-checked; policy: every re-checked readable chunk sharing a policyKey with a hit.
 * Result keeps the hits' order; a policy group sits where its best hit ranked.
 */
export function applyCascade(
  hits: readonly CascadeHit[],
  policy: readonly StoredChunk[],
  k: number,
): CascadeHit[] {
  const best = new Map<string, number>();
  for (const c of policy)
    if (c.policyKey) best.set(c.policyKey, Math.max(best.get(c.policyKey) ?? 0, levelRank(c.level)));
  const out: CascadeHit[] = [];
  const seen = new Set<string>();
  const emitted = new Set<string>();
  const push = (h: CascadeHit) => {
    if (seen.has(h.chunk.id)) return;
    seen.add(h.chunk.id);
    out.push(h);
  };
  for (const hit of hits) {
    const key = hit.chunk.policyKey;
    if (!key) {
      push(hit);
      continue;
    }
    const top = Math.max(best.get(key) ?? 0, levelRank(hit.chunk.level));
    if (levelRank(hit.chunk.level) === top) push(hit);
    if (emitted.has(key)) continue;
    emitted.add(key);
    // The winning level's chunks of this key that the text/vector query did not rank into k.
    for (const c of policy)
      if (c.policyKey === key && levelRank(c.level) === top) push({ chunk: c, score: hit.score });
  }
  return out.slice(0, k);
}

export type { SearchHit };
