import { describe, expect, it } from 'vitest';
import { diffResources } from './diff.js';

describe('diffResources', () => {
  it('reports added, removed and changed keys with the changed paths', () => {
    const diff = diffResources(
      { a: { x: 1, y: [1, 2] }, b: { z: 'same' }, gone: {} },
      { a: { x: 2, y: [1, 3] }, b: { z: 'same' }, fresh: { n: 1 } },
    );
    expect(diff).toEqual({
      added: ['fresh'],
      removed: ['gone'],
      changed: ['a'],
      fields: { a: ['x', 'y[1]'] },
    });
  });

  it('key order does not count as a change', () => {
    expect(diffResources({ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 } }).changed).toEqual([]);
  });
});
