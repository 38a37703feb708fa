import { describe, expect, it } from 'vitest';
import { manifestProblems } from '@cw/testing/mcp';
import { manifest, plugin } from '../src/index.js';

describe('email manifest', () => {
  it('matches the tools’ real schemas and metadata', () => {
    expect(manifestProblems(plugin, manifest)).toEqual([]);
  });

  it('catches a manifest that drifted from the code', () => {
    const drifted = {
      ...manifest,
      tools: manifest.tools.map((t, i) =>
        i === 0
          ? { ...t, classification: t.classification === 'read' ? 'write' : 'read', inputSchema: {} }
          : t,
      ),
    } as typeof manifest;
    expect(manifestProblems(plugin, drifted)).toHaveLength(2);
  });
});
