/**
 * The one place errors become HTTP. Domain errors (use cases never throw HTTP exceptions) map to
 * a status by their `code`; everything unknown is a 500 whose details stay in the log. Every
 * answer carries the correlation id. JSON body: `{error: {code, message, fields}, correlationId}`;
 * browsers get an HTML page instead. Feature modules register more codes with `registerErrorStatus`.
 */
import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { IllegalTransitionError, TenantValidationError } from '@cw/tenant-model';
import { RunNotFoundError, SlugTakenError, TenantNotFoundError } from '@cw/db';
import { DomainError, InvalidTokenError, RateLimitedError, type FieldError } from '@cw/control-plane';
import type { Logger } from '@cw/observability';
import { messagePage } from '../views/layout.js';
import { wantsHtml, type CwRequest } from './request-context.js';

export interface ErrorBody {
  error: { code: string; message: string; fields: FieldError[] };
  correlationId: string;
}

const STATUS_BY_CODE = new Map<string, number>([
  ['validation_failed', 400],
  ['bad_request', 400],
  ['invalid_signature', 400],
  ['invalid_event', 400],
  ['invalid_token', 400],
  ['not_authenticated', 401],
  ['csrf_failed', 403],
  ['not_found', 404],
  ['billing_disabled', 404],
  ['conflict', 409],
  ['illegal_transition', 409],
  ['payload_too_large', 413],
  ['unsupported_media_type', 415],
  ['rate_limited', 429],
  ['billing_misconfigured', 503],
]);

/** For feature modules (admin API) that bring their own domain error codes. */
export const registerErrorStatus = (code: string, status: number): void =>
  void STATUS_BY_CODE.set(code, status);

interface Mapped {
  status: number;
  code: string;
  message: string;
  fields: FieldError[];
  headers?: Record<string, string>;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

export function mapError(error: unknown): Mapped | undefined {
  if (error instanceof InvalidTokenError) {
    const status =
      error.reason === 'expired' || error.reason === 'used'
        ? 410
        : error.reason === 'not_pending'
          ? 409
          : 400;
    return {
      status,
      code: error.code,
      message: error.message,
      fields: [{ path: 'token', message: error.reason }],
    };
  }
  if (error instanceof RateLimitedError) {
    return {
      status: 429,
      code: error.code,
      message: error.message,
      fields: [],
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof DomainError) {
    const fields =
      error.code === 'csrf_failed'
        ? [{ path: '_csrf', message: 'is missing or does not match' }]
        : error.fields;
    return {
      status: STATUS_BY_CODE.get(error.code) ?? 400,
      code: error.code,
      message: error.message,
      fields,
    };
  }
  if (error instanceof SlugTakenError) {
    return {
      status: 409,
      code: 'conflict',
      message: error.message,
      fields: [{ path: 'slug', message: `"${error.slug}" is already taken` }],
    };
  }
  if (error instanceof TenantNotFoundError || error instanceof RunNotFoundError)
    return { status: 404, code: 'not_found', message: error.message, fields: [] };
  if (error instanceof IllegalTransitionError)
    return { status: 409, code: 'illegal_transition', message: error.message, fields: [] };
  if (error instanceof TenantValidationError)
    return { status: 400, code: 'validation_failed', message: error.message, fields: error.issues };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 500) return undefined;
    return { status, code: CODE_BY_STATUS[status] ?? 'bad_request', message: error.message, fields: [] };
  }
  // body-parser errors (malformed JSON, too large, bad charset) carry status and type.
  const parser = error as { status?: number; type?: string; message?: string };
  if (
    typeof parser.status === 'number' &&
    parser.status >= 400 &&
    parser.status < 500 &&
    typeof parser.type === 'string'
  ) {
    const status = parser.status;
    const message =
      parser.type === 'entity.parse.failed'
        ? 'the request body is not valid JSON'
        : (parser.message ?? 'bad request');
    return {
      status,
      code: CODE_BY_STATUS[status] ?? 'bad_request',
      message,
      fields: parser.type === 'entity.parse.failed' ? [{ path: 'body', message }] : [],
    };
  }
  return undefined;
}

export function writeError(req: Request, res: Response, error: unknown, logger: Logger): void {
  const correlationId = (req as CwRequest).correlationId ?? '';
  const mapped = mapError(error);
  if (!mapped)
    logger.error(
      {
        err: error,
        correlationId,
        method: req.method,
        route: (req.route as { path?: string } | undefined)?.path,
      },
      'unhandled error',
    );
  else if (mapped.status >= 500) logger.warn({ err: error, correlationId }, mapped.message);
  const m: Mapped = mapped ?? {
    status: 500,
    code: 'internal',
    message: 'something went wrong on our side; quote the correlation id if you contact support',
    fields: [],
  };
  if (res.headersSent) return void res.end();
  for (const [name, value] of Object.entries(m.headers ?? {})) res.setHeader(name, value);
  res.status(m.status);
  if (wantsHtml(req)) {
    res.type('html').send(errorPage(m, correlationId));
    return;
  }
  const body: ErrorBody = { error: { code: m.code, message: m.message, fields: m.fields }, correlationId };
  res.json(body);
}

function errorPage(m: Mapped, correlationId: string): string {
  const title =
    m.status === 401
      ? 'Please sign in'
      : m.status === 404
        ? 'Page not found'
        : m.status === 429
          ? 'Too many attempts'
          : m.status >= 500
            ? 'Something went wrong'
            : 'That did not work';
  const lines = [m.message, ...m.fields.map((f) => `${f.path}: ${f.message}`)];
  if (m.status >= 500) lines.push(`Reference: ${correlationId}`);
  return messagePage(title, lines);
}

@Catch()
export class GlobalExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    writeError(http.getRequest<Request>(), http.getResponse<Response>(), error, this.logger);
  }
}
