import { describe, expect, it } from 'vitest';
import { eventually } from './eventually.js';

describe('eventually', () => {
  it('resolves to the first truthy value, retrying falsy values and errors', async () => {
    let calls = 0;
    const value = await eventually(
      async () => {
        calls++;
        if (calls === 1) throw new Error('not yet');
        return calls >= 3 && { calls };
      },
      'three calls',
      5_000,
    );
    expect(value).toEqual({ calls: 3 });
  });

  it('rejects naming what it waited for and the last error', async () => {
    await expect(
      eventually(
        () => {
          throw new Error('connection refused');
        },
        'the server',
        300,
      ),
    ).rejects.toThrow(
      'timed out after 300 ms waiting for the server (last error: Error: connection refused)',
    );
    await expect(eventually(() => false, 'a flag', 100)).rejects.toThrow(
      /^timed out after 100 ms waiting for a flag$/,
    );
  });
});
