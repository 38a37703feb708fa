/**
 * Structure-aware mutation of JSON values for fuzzing: take a valid input and break it a few
 * places at a time — drop a field, add one, change a value's type, put a hostile value in
 * (huge, deeply nested, control characters, bidi overrides, prototype keys, injection strings,
 * extreme numbers). Valid-looking inputs that are wrong in one spot find more bugs than noise.
 */
import type { Random } from './random.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u202Eevil\u202C',
  'zero\u200Dwidth',
  '😀'.repeat(50),
  'x'.repeat(10_000),
  "'; drop table tenants; --",
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00%0d%0a',
  '${jndi:ldap://x}',
  '{{7*7}}',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '__proto__',
  'constructor',
  'true',
  'null',
  '[]',
  'ＡＢＣ',
  'admin@pаypal.com',
  'a@b',
  '@@',
  '\r\n\r\nX-Injected: 1',
];

const NASTY_NUMBERS: readonly number[] = [
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 53 + 1,
  -(2 ** 63),
  1e308,
  -1e-308,
  Number.MAX_SAFE_INTEGER,
];
const NASTY_KEYS: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  '',
  ' ',
  'a.b',
  '$where',
  'x'.repeat(300),
];

function nastyValue(r: Random, depth = 0): Json {
  switch (r.int(0, 7)) {
    case 0:
      return r.pick(NASTY_STRINGS);
    case 1:
      return r.pick(NASTY_NUMBERS);
    case 2:
      return r.pick([null, true, false]);
    case 3:
      return depth > 2 ? [] : Array.from({ length: r.int(0, 3) }, () => nastyValue(r, depth + 1));
    case 4:
      return depth > 2 ? {} : { [r.pick(NASTY_KEYS)]: nastyValue(r, depth + 1) };
    case 5: {
      // Deep nesting: parsers and validators that recurse without a bound fall over here.
      let v: Json = 'deep';
      for (let i = 0; i < r.int(50, 400); i++) v = r.chance(0.5) ? [v] : { a: v };
      return v;
    }
    case 6:
      return r.string(r.int(1, 80), 'abcXYZ019 -_.@/\\"\'<>&%$#!?*+=:;,()[]{}|~`^');
    default:
      return Array.from({ length: r.int(1000, 5000) }, (_, i) => i);
  }
}

/** Every path to a value in `value` ([] = the root). */
export function jsonPaths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...jsonPaths(v, [...prefix, i])));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...jsonPaths(v, [...prefix, k]));
  return out;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function parentOf(root: Json, path: (string | number)[]): { parent: Json; key: string | number } | undefined {
  if (path.length === 0) return undefined;
  let node: Json = root;
  for (const k of path.slice(0, -1)) node = (node as Record<string, Json>)[k as string]!;
  return { parent: node, key: path.at(-1)! };
}

/** One to `max` mutations of a copy of `input`. */
export function mutate<T>(r: Random, input: T, max = 3): unknown {
  let root = clone(input) as unknown as Json;
  const n = r.int(1, max);
  for (let i = 0; i < n; i++) {
    const path = r.pick(jsonPaths(root));
    const at = parentOf(root, path);
    const op = r.int(0, 5);
    if (!at) {
      root = op < 3 ? nastyValue(r) : root;
      continue;
    }
    const parent = at.parent as Record<string | number, Json>;
    if (op === 0 && !Array.isArray(parent)) delete parent[at.key];
    else if (op === 1 && !Array.isArray(parent))
      Object.defineProperty(parent, r.pick(NASTY_KEYS), {
        value: nastyValue(r),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    else if (op === 2) {
      // Same value, another type: "5" for 5, 5 for "5", [x] for x.
      const v = parent[at.key]!;
      parent[at.key] =
        typeof v === 'number' ? String(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : [v];
    } else parent[at.key] = nastyValue(r);
  }
  return root;
}
