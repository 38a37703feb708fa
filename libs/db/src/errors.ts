/** Domain errors raised by repositories; the HTTP layer maps them, callers may catch them. */
export class TenantNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`tenant "${key}" not found`);
    this.name = 'TenantNotFoundError';
  }
}

export class SlugTakenError extends Error {
  constructor(readonly slug: string) {
    super(`"${slug}" is already taken`);
    this.name = 'SlugTakenError';
  }
}

export class RunNotFoundError extends Error {
  constructor(readonly runId: string) {
    super(`provisioning run "${runId}" not found`);
    this.name = 'RunNotFoundError';
  }
}

/** Postgres error fields, whether the driver error comes bare (PGlite) or wrapped by Drizzle (`cause`). */
export function pgErrorOf(error: unknown): { code?: string; constraint?: string } | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const candidate = e as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return {
        code: candidate.code,
        constraint: typeof candidate.constraint === 'string' ? candidate.constraint : undefined,
      };
    }
    e = candidate.cause;
  }
  return undefined;
}

export const isUniqueViolation = (error: unknown, constraint?: string): boolean => {
  const pg = pgErrorOf(error);
  return (
    pg?.code === '23505' &&
    (constraint === undefined || pg.constraint === undefined || pg.constraint === constraint)
  );
};
