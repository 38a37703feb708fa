/**
 * What admin API requests may carry, as zod schemas: query parameters (strings in, typed values
 * out) and JSON bodies. The use cases parse with them; the OpenAPI document is generated from them.
 */
import { z } from 'zod';
import { CLOUD_PROVIDERS, PLAN_NAMES, TENANT_STATES } from '@cw/tenant-model';

const reason = z
  .string()
  .trim()
  .max(500)
  .optional()
  .meta({ description: 'Why, in words; recorded with the lifecycle event and the audit row.' });

// --- query parameters (strings in, typed values out) ------------------------------------------

/** `a,b` or a repeated parameter → a de-duplicated list of allowed values. */
const csvOf = <T extends string>(values: readonly T[], what: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((raw, ctx) => {
      const parts = (Array.isArray(raw) ? raw : [raw])
        .flatMap((s) => s.split(','))
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = parts.filter((p) => !(values as readonly string[]).includes(p));
      if (bad.length)
        ctx.addIssue({
          code: 'custom',
          message: `unknown ${what} ${bad.map((b) => JSON.stringify(b.slice(0, 40))).join(', ')} (allowed: ${values.join(', ')})`,
        });
      return [...new Set(parts)] as T[];
    })
    .optional()
    .meta({ description: `One or more of ${values.join(', ')}, comma-separated.` });

const dateParam = (description: string) =>
  z
    .string()
    .max(40)
    .transform((raw, ctx) => {
      const at = new Date(raw);
      if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(at.getTime())) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be an ISO 8601 date or date-time such as 2025-01-31 or 2025-01-31T12:00:00Z',
        });
        return z.NEVER;
      }
      return at;
    })
    .optional()
    .meta({ description, format: 'date-time' });

const limitParam = z
  .string()
  .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 200')
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be at least 1').max(200, 'must be at most 200'))
  .optional()
  .meta({ description: 'Page size, 1–200 (default 50).' });
const cursorParam = z
  .string()
  .max(300)
  .optional()
  .meta({ description: 'The `nextCursor` of the previous page; opaque.' });

export const listTenantsQuerySchema = z.object({
  state: csvOf(TENANT_STATES, 'state'),
  plan: csvOf(PLAN_NAMES, 'plan'),
  cloud: csvOf(CLOUD_PROVIDERS, 'cloud'),
  q: z.string().trim().max(200).optional().meta({
    description: 'Tenant id, exact admin e-mail (matched by hash), or part of slug, name or hostname.',
  }),
  createdFrom: dateParam('Created at or after this time.'),
  createdTo: dateParam('Created before this time.'),
  limit: limitParam,
  cursor: cursorParam,
});
export type ListTenantsQuery = z.output<typeof listTenantsQuerySchema>;

export const listAuditQuerySchema = z.object({
  actor: z
    .string()
    .regex(/^sha256:[0-9a-f]{16}$/, 'must be an actor hash such as sha256:0123456789abcdef')
    .optional()
    .meta({
      description: 'Actor pseudonym `sha256:<hex16>` (admin subject, customer e-mail or client IP hash).',
    }),
  action: z.string().max(100).optional().meta({
    description: 'Action: an operationId of this API (e.g. suspendTenant) or a dotted verb (tenant.signup).',
  }),
  target: z.string().max(200).optional().meta({ description: 'Tenant id or slug as recorded.' }),
  outcome: z.string().max(40).optional().meta({ description: 'ok, denied, rejected, failed, …' }),
  from: dateParam('At or after this time.'),
  to: dateParam('Before this time.'),
  limit: limitParam,
  cursor: cursorParam,
});
export type ListAuditQuery = z.output<typeof listAuditQuerySchema>;

// --- request bodies ------------------------------------------------------------------------

export const reasonBodySchema = z.object({ reason }).meta({ id: 'ReasonRequest' });
export type ReasonBody = z.output<typeof reasonBodySchema>;

export const changePlanBodySchema = z
  .object({
    plan: z.enum(PLAN_NAMES).optional(),
    seats: z.number().int().min(1).max(10_000).optional(),
    reason,
  })
  .refine((b) => b.plan !== undefined || b.seats !== undefined, {
    message: 'give plan, seats or both',
    path: ['plan'],
  })
  .meta({ id: 'ChangePlanRequest' });
export type ChangePlanBody = z.output<typeof changePlanBodySchema>;

export const offboardBodySchema = z
  .object({
    confirm: z.string().max(100).meta({
      description:
        "Must equal the tenant's slug: a typed confirmation that this tenant, and no other, is removed.",
    }),
    reason,
  })
  .meta({ id: 'OffboardRequest' });
export type OffboardBody = z.output<typeof offboardBodySchema>;
