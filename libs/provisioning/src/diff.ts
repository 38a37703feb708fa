/** Keyed diff of two object maps (resource address or object key → content), for the dry run. */
import { stableJson } from './artifacts.js';

export interface ResourceDiff {
  added: string[];
  removed: string[];
  changed: string[];
  /** For each changed key, the paths that differ (`spec.seats`, `tags.plan`), at most 20. */
  fields: Record<string, string[]>;
}

export const emptyDiff = (): ResourceDiff => ({ added: [], removed: [], changed: [], fields: {} });

export function diffResources(before: Record<string, unknown>, after: Record<string, unknown>): ResourceDiff {
  const diff = emptyDiff();
  for (const key of Object.keys(after).sort()) {
    if (!(key in before)) diff.added.push(key);
    else if (stableJson(before[key]) !== stableJson(after[key])) {
      diff.changed.push(key);
      diff.fields[key] = changedPaths(before[key], after[key]);
    }
  }
  diff.removed = Object.keys(before)
    .filter((key) => !(key in after))
    .sort();
  return diff;
}

const MAX_PATHS = 20;

export function changedPaths(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= MAX_PATHS) return out;
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(path || '(root)');
      return out;
    }
    a.forEach((v, i) => changedPaths(v, b[i], `${path}[${i}]`, out));
    return out;
  }
  if (isObj(a) && isObj(b) && !Array.isArray(a) && !Array.isArray(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      changedPaths(a[key], b[key], path ? `${path}.${key}` : key, out);
    }
    return out;
  }
  if (stableJson(a) !== stableJson(b)) out.push(path || '(root)');
  return out;
}
