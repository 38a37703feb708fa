/**
 * The one logger of every process: pino with redaction of every record (see redact.ts) and a
 * correlation id carried through AsyncLocalStorage so nested calls log it without plumbing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';
import { redact, redactString } from './redact.js';

export type { Logger };
const correlation = new AsyncLocalStorage<{ correlationId: string }>();

export const withCorrelationId = <T>(correlationId: string, fn: () => T): T => correlation.run({ correlationId }, fn);
export const currentCorrelationId = (): string | undefined => correlation.getStore()?.correlationId;

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Where records go (default stdout); tests pass a stream to inspect output. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'warn' : 'info');
  return pino(
    {
      name: options.name,
      level,
      base: { service: options.name },
      messageKey: 'msg',
      mixin: () => {
        const id = currentCorrelationId();
        return id ? { correlationId: id } : {};
      },
      formatters: { log: (object) => redact(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          // Messages are redacted too: an e-mail interpolated into a message must not escape.
          const redacted = args.map((a) => (typeof a === 'string' ? redactString(a) : a)) as typeof args;
          return method.apply(this, redacted);
        },
      },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
