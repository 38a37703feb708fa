/**
 * Tracing on the OpenTelemetry API without an SDK: a Tracer whose spans, when they end, are
 * written as one structured log line each through the process's logger ("exported as logs").
 * A process that wants OTLP registers an SDK TracerProvider instead (`trace.setGlobalTracerProvider`)
 * and the same `startSpan` calls go there — the hook is `useLogTracing` / `tracerFor` below.
 *
 * Correlation: a span started without a parent takes its trace id from the correlation id in
 * scope (withCorrelationId) or the `correlation_id` attribute — sha256(correlationId)[0:32] —
 * so the stages of one tenant's onboarding, observed by different processes, share a trace id
 * without propagating a context between them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SpanStatusCode,
  TraceFlags,
  context as otelContext,
  trace,
  type Attributes,
  type Context,
  type ContextManager,
  type Exception,
  type Link,
  type Span,
  type SpanAttributeValue,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { Logger } from 'pino';
import { currentCorrelationId } from './logger.js';

/** What a finished span looks like in the log (`msg: "span"`). */
export interface FinishedSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly correlationId?: string;
  readonly startTime: string;
  readonly endTime: string;
  readonly durationMs: number;
  readonly status: 'unset' | 'ok' | 'error';
  readonly statusMessage?: string;
  readonly attributes: Attributes;
  readonly events: readonly { name: string; time: string; attributes?: Attributes }[];
}

export type SpanSink = (span: FinishedSpan) => void;

/** The trace id of a correlation id: the same in every process that sees it. */
export const traceIdOf = (correlationId: string): string =>
  createHash('sha256').update(correlationId).digest('hex').slice(0, 32);

function toMs(t: TimeInput | undefined): number {
  if (t === undefined) return Date.now();
  if (typeof t === 'number') return t; // epoch milliseconds (performance.timeOrigin-based values are not used here)
  if (t instanceof Date) return t.getTime();
  return t[0] * 1000 + t[1] / 1e6; // HrTime
}

class LogSpan implements Span {
  private ended = false;
  private readonly attributes: Attributes = {};
  private readonly events: { name: string; time: string; attributes?: Attributes }[] = [];
  private status: SpanStatus = { code: SpanStatusCode.UNSET };

  constructor(
    private name: string,
    private readonly ctx: SpanContext,
    private readonly parentSpanId: string | undefined,
    private readonly correlationId: string | undefined,
    private readonly startMs: number,
    attributes: Attributes | undefined,
    private readonly sink: SpanSink,
  ) {
    if (attributes) this.setAttributes(attributes);
  }

  spanContext(): SpanContext {
    return this.ctx;
  }
  setAttribute(key: string, value: SpanAttributeValue): this {
    if (!this.ended) this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    for (const [k, v] of Object.entries(attributes)) if (v !== undefined) this.setAttribute(k, v);
    return this;
  }
  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    const isTime =
      typeof attributesOrTime === 'number' ||
      attributesOrTime instanceof Date ||
      Array.isArray(attributesOrTime);
    const at = toMs(isTime ? (attributesOrTime as TimeInput) : time);
    this.events.push({
      name,
      time: new Date(at).toISOString(),
      ...(!isTime && attributesOrTime ? { attributes: attributesOrTime as Attributes } : {}),
    });
    return this;
  }
  addLink(_link: Link): this {
    return this;
  }
  addLinks(_links: Link[]): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.status = status;
    return this;
  }
  updateName(name: string): this {
    this.name = name;
    return this;
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(exception: Exception, time?: TimeInput): void {
    const message =
      typeof exception === 'string' ? exception : (exception.message ?? exception.name ?? 'error');
    this.addEvent('exception', { 'exception.message': message }, time);
  }
  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    const endMs = Math.max(toMs(endTime), this.startMs);
    const code = this.status.code;
    this.sink({
      name: this.name,
      traceId: this.ctx.traceId,
      spanId: this.ctx.spanId,
      ...(this.parentSpanId ? { parentSpanId: this.parentSpanId } : {}),
      ...(this.correlationId ? { correlationId: this.correlationId } : {}),
      startTime: new Date(this.startMs).toISOString(),
      endTime: new Date(endMs).toISOString(),
      durationMs: Math.round((endMs - this.startMs) * 1000) / 1000,
      status: code === SpanStatusCode.ERROR ? 'error' : code === SpanStatusCode.OK ? 'ok' : 'unset',
      ...(this.status.message ? { statusMessage: this.status.message } : {}),
      attributes: { ...this.attributes },
      events: [...this.events],
    });
  }
}

class LogTracer implements Tracer {
  constructor(private readonly sink: SpanSink) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = otelContext.active()): Span {
    const parent = options.root ? undefined : trace.getSpanContext(ctx);
    const attrCorrelation = options.attributes?.correlation_id;
    const correlationId = typeof attrCorrelation === 'string' ? attrCorrelation : currentCorrelationId();
    const traceId =
      parent?.traceId ?? (correlationId ? traceIdOf(correlationId) : randomBytes(16).toString('hex'));
    const spanContext: SpanContext = {
      traceId,
      spanId: randomBytes(8).toString('hex'),
      traceFlags: TraceFlags.SAMPLED,
    };
    return new LogSpan(
      name,
      spanContext,
      parent?.spanId,
      correlationId,
      toMs(options.startTime),
      options.attributes,
      this.sink,
    );
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest.pop() as (span: Span) => ReturnType<F>;
    const [options, ctx] = rest as [SpanOptions | undefined, Context | undefined];
    const parentCtx = ctx ?? otelContext.active();
    const span = this.startSpan(name, options, parentCtx);
    return otelContext.with(trace.setSpan(parentCtx, span), fn, undefined, span) as ReturnType<F>;
  }
}

/** A TracerProvider writing each finished span to `sink`. */
export function createLogTracerProvider(sink: SpanSink): TracerProvider {
  const tracer = new LogTracer(sink);
  return { getTracer: () => tracer };
}

/** The sink of the default export: one `info` line per span, `msg: "span"`, through the redacting logger. */
export const logSpanSink =
  (log: Logger): SpanSink =>
  (span) =>
    log.info({ span }, 'span');

/** The API's default context manager keeps no context across awaits; this one does (AsyncLocalStorage). */
export class AsyncLocalContextManager implements ContextManager {
  private readonly als = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.als.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.als.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as unknown as (...a: unknown[]) => unknown;
    return ((...a: unknown[]) => this.with(ctx, fn, undefined, ...a)) as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

let registered = false;
/**
 * Makes the log tracer the global provider, unless one is registered already (an SDK set by the
 * process, or an earlier call). Returns whether it registered.
 */
export function useLogTracing(log: Logger): boolean {
  if (registered) return false;
  otelContext.setGlobalContextManager(new AsyncLocalContextManager());
  registered = trace.setGlobalTracerProvider(createLogTracerProvider(logSpanSink(log)));
  return registered;
}

/** The tracer of a component: the global provider's (a no-op until one is registered). */
export const tracerFor = (name: string): Tracer => trace.getTracer(name);

/**
 * Runs `fn` in a span that ends with it: status OK, or ERROR with the exception recorded, and
 * the error rethrown.
 */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      const value = await fn(span);
      span.setStatus({ code: SpanStatusCode.OK });
      return value;
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      span.end();
    }
  });
}

export { ROOT_CONTEXT, SpanStatusCode, type Span, type Tracer };
