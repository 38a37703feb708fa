/** The one error the guard throws: callers map `reason` to their own answer (never the raw cause). */
export type OutboundRefusal =
  'forbidden-address' | 'bad-url' | 'too-many-redirects' | 'too-large' | 'timeout' | 'unreachable';

export class OutboundRefusedError extends Error {
  override readonly name = 'OutboundRefusedError';
  constructor(
    readonly reason: OutboundRefusal,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Finds an OutboundRefusedError anywhere in a cause chain (undici wraps connect errors in TypeError). */
export function findRefusal(error: unknown): OutboundRefusedError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 8; depth++) {
    if (e instanceof OutboundRefusedError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
