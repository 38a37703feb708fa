/** Request input → typed values, or ValidationFailedError naming every bad field. */
import type { z } from 'zod';
import { ValidationFailedError } from '../errors.js';

export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw ?? {});
  if (result.success) return result.data;
  throw new ValidationFailedError(
    result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || 'body',
      // Zod's own words, never the value (it may be something pasted by mistake, like a token).
      message:
        issue.code === 'invalid_type'
          ? `is missing or has the wrong type (expected ${issue.expected})`
          : issue.message,
    })),
  );
}

/** Query strings from HTML forms carry empty fields for filters left blank: those mean "not given". */
export function withoutEmpty(raw: unknown): Record<string, unknown> {
  if (!raw || typeof raw !== 'object') return {};
  return Object.fromEntries(
    Object.entries(raw).filter(
      ([, value]) => value !== '' && !(Array.isArray(value) && value.every((v) => v === '')),
    ),
  );
}
