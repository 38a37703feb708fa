/**
 * The one logger of every process: pino with redaction of every record (see redact.ts) and a
 * correlation id carried through AsyncLocalStorage so nested calls log it without plumbing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';
import { redact, redactString } from './redact.js';

export type { Logger, DestinationStream };
const correlation = new AsyncLocalStorage<{ correlationId: string }>();

export const withCorrelationId = <T>(correlationId: string, fn: () => T): T =>
  correlation.run({ correlationId }, fn);
export const currentCorrelationId = (): string | undefined => correlation.getStore()?.correlationId;

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Where records go (default stdout); tests pass a stream (see createTestLogSink) to inspect output. */
  destination?: DestinationStream;
}

/**
 * Every argument of a log call is redacted, not only the merge object: pino interpolates later
 * arguments into the message (`log.info('sent to %s', email)`), and an Error passed first has its
 * raw message copied into `msg` by pino unless we give one.
 */
function redactArgs(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  if (first instanceof Error) {
    return typeof rest[0] === 'string'
      ? [{ err: first }, ...redactRest(rest)]
      : [{ err: first }, redactString(first.message), ...redactRest(rest)];
  }
  if (typeof first === 'string') return [redactString(first), ...redactRest(rest)];
  if (first && typeof first === 'object') {
    const err = (first as { err?: unknown }).err;
    if (err instanceof Error && typeof rest[0] !== 'string')
      return [first, redactString(err.message), ...redactRest(rest)];
    return [first, ...redactRest(rest)];
  }
  return [first, ...redactRest(rest)];
}
const redactRest = (rest: unknown[]): unknown[] =>
  rest.map((a) => (typeof a === 'string' ? redactString(a) : redact(a)));

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'warn' : 'info');
  const logger = pino(
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
      // redact() has shaped errors already (type, message, stack, own fields).
      serializers: { err: (value: unknown) => value },
      hooks: {
        logMethod(args, method) {
          return method.apply(this, redactArgs(args) as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
  // Child bindings (`log.child({ tenant, email })`) are serialized once, past formatters.log:
  // redact them on the way in. Set on the root, inherited by every child (pino children are
  // Object.create(parent)), called with the child as `this`.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, redact(bindings) as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}
