import { describe, expect, it } from 'vitest';
import { jsonPaths, mutate } from './mutate.js';
import { seededRandom } from './random.js';

describe('seeded generation', () => {
  it('replays the same cases from the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    expect(Array.from({ length: 20 }, () => a.int(0, 1000))).toEqual(
      Array.from({ length: 20 }, () => b.int(0, 1000)),
    );
    const input = { name: 'x', seats: 5, tags: ['a', 'b'], nested: { ok: true } };
    const m1 = Array.from({ length: 50 }, () => JSON.stringify(mutate(a, input)));
    const m2 = Array.from({ length: 50 }, () => JSON.stringify(mutate(b, input)));
    expect(m1).toEqual(m2);
    expect(new Set(m1).size).toBeGreaterThan(40);
    expect(input).toEqual({ name: 'x', seats: 5, tags: ['a', 'b'], nested: { ok: true } });
  });

  it('lists every path of a value', () => {
    expect(jsonPaths({ a: [1, { b: 2 }] })).toEqual([[], ['a'], ['a', 0], ['a', 1], ['a', 1, 'b']]);
  });
});
