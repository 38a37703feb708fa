import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnvProblems, formatEnvProblems } from './env-problems.js';

describe('EnvProblems', () => {
  const schema = z.object({
    PORT: z.coerce.number().int().min(1),
    MODE: z.enum(['a', 'b']),
    URL: z.string().url(),
    TOKEN: z.string().min(10),
  });

  it('collects every bad variable of a schema once, telling missing from bad, never quoting a value', () => {
    const env = { PORT: 'http', MODE: 'c', TOKEN: 'sec-1' };
    const result = schema.safeParse(env);
    expect(result.success).toBe(false);
    const problems = new EnvProblems()
      .addIssues(result.error!.issues, env)
      .add('OTHER', 'is required with MODE')
      .add('OTHER', 'is required with MODE');
    expect(problems.problems.map((p) => p.variable)).toEqual(['PORT', 'MODE', 'URL', 'TOKEN', 'OTHER']);
    expect(problems.problems.find((p) => p.variable === 'MODE')?.message).toBe('must be one of a, b');
    expect(problems.problems.find((p) => p.variable === 'URL')?.message).toBe('is required');
    expect(formatEnvProblems(problems.problems)).not.toContain('sec-1');
    expect(() => problems.throwIfAny((all) => new Error(formatEnvProblems(all)))).toThrow(
      /^ {2}PORT: .*\n {2}MODE: must be one of a, b\n {2}URL: is required\n {2}TOKEN: .*\n {2}OTHER: is required with MODE$/,
    );
  });

  it('throws nothing when there is nothing', () => {
    expect(() => new EnvProblems().throwIfAny(() => new Error('no'))).not.toThrow();
  });
});
