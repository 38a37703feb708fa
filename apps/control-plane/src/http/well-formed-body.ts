/**
 * The one well-formedness and depth limit at the HTTP edge, run on every parsed body (JSON and
 * forms, the Stripe webhook included) before any route sees it. PostgreSQL cannot store a NUL or a
 * lone UTF-16 surrogate, and a body nested thousands deep costs every recursive walker behind it;
 * such a body is refused with a 400 naming where the problem is, so it never becomes a 500 or a
 * stored-then-failing event. (libs/db's pgText is the second line, for text arriving another way.)
 */
import type { NextFunction, Request, Response } from 'express';
import { ValidationFailedError, type FieldError } from '@cw/control-plane';
import { hasLoneSurrogate } from '@cw/db';

/** Deeper than any body the control plane accepts (Stripe events nest about 8 levels). */
export const MAX_BODY_DEPTH = 32;

const pathOf = (path: readonly (string | number)[]) =>
  path.length === 0 ? '(body)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.');

/** The first problem of a parsed body, or undefined when it is fine. Iterative: depth-safe. */
export function bodyProblem(body: unknown): FieldError | undefined {
  const stack: Array<{ value: unknown; path: (string | number)[] }> = [{ value: body, path: [] }];
  const textProblem = (text: string, path: (string | number)[], what: string): FieldError | undefined => {
    if (text.includes('\u0000')) return { path: pathOf(path), message: `${what} contains a NUL character` };
    if (hasLoneSurrogate(text))
      return { path: pathOf(path), message: `${what} contains a lone UTF-16 surrogate (not valid Unicode)` };
    return undefined;
  };
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (path.length > MAX_BODY_DEPTH)
      return { path: pathOf(path.slice(0, 3)), message: `is nested deeper than ${MAX_BODY_DEPTH} levels` };
    if (typeof value === 'string') {
      const problem = textProblem(value, path, 'text');
      if (problem) return problem;
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: [...path, i] }));
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const problem = textProblem(key, path, 'a field name');
        if (problem) return problem;
        stack.push({ value: item, path: [...path, key] });
      }
    }
  }
  return undefined;
}

export function wellFormedBody(onError: (req: Request, res: Response, error: unknown) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const problem = bodyProblem(req.body);
    if (!problem) return next();
    onError(
      req,
      res,
      new ValidationFailedError([problem], `the request body ${problem.path}: ${problem.message}`),
    );
  };
}
