/**
 * Sign-up: validate everything first (nothing is written for bad input), then in one transaction
 * create the tenant in `pending_verification` with its first history row, the audit entry and
 * the magic-link token hash; after commit, send the link.
 */
import { randomUUID } from 'node:crypto';
import { hashId } from '@cw/observability';
import { SlugTakenError, type Database } from '@cw/db';
import type { TenantState } from '@cw/tenant-model';
import type { RequestContext } from '../context.js';
import { ConflictError, ValidationFailedError } from '../errors.js';
import type { Logger, RateLimiter } from '../ports.js';
import type { MagicLinkSender } from '../verification/magic-link-sender.js';
import { parseSignupInput, type SignupValues } from './signup-input.js';
import { enforceLimit, type SignupLimits } from './rate-limits.js';
import { maskEmail } from './mask-email.js';

export interface SignupConfig {
  baseDomain: string;
  billingEnabled: boolean;
  limits: SignupLimits;
}

export interface SignupResult {
  tenantId: string | null;
  slug: string;
  hostname: string;
  state: TenantState;
  /** Where the link went, masked: `a***@example.com`. */
  emailHint: string;
  mailSent: boolean;
}

/** ValidationFailedError that also carries what was submitted, so a form can be shown again. */
export class SignupRejectedError extends ValidationFailedError {
  constructor(
    fields: ValidationFailedError['fields'],
    readonly values: SignupValues,
  ) {
    super(fields);
  }
}

export class SignupUseCase {
  constructor(
    private readonly db: Database,
    private readonly links: MagicLinkSender,
    private readonly limiter: RateLimiter,
    private readonly config: SignupConfig,
    private readonly logger: Logger,
  ) {}

  async execute(input: unknown, source: 'json' | 'form', ctx: RequestContext): Promise<SignupResult> {
    await enforceLimit(this.limiter, 'signup-ip', ctx.ip, this.config.limits.perIp);
    const parsed = parseSignupInput(input, { baseDomain: this.config.baseDomain, source });
    if (isHoneypotFilled(input)) return this.pretend(parsed);
    if (!parsed.ok) throw new SignupRejectedError(parsed.fields, parsed.values);
    const { draft } = parsed;
    await enforceLimit(this.limiter, 'signup-email', draft.email.toLowerCase(), this.config.limits.perEmail);
    if (await this.db.tenants.isSlugTaken(draft.slug)) throw slugTaken(draft.slug, parsed.values);

    const correlationId = ctx.correlationId || randomUUID();
    let prepared;
    try {
      prepared = await this.db.transaction(async (tx) => {
        const tenant = await tx.tenants.create({
          slug: draft.slug,
          spec: draft.spec,
          adminEmail: draft.email,
          correlationId,
          billingMode: this.config.billingEnabled ? 'stripe' : 'trial',
        });
        const actor = { kind: 'customer' as const, emailHash: hashId(draft.email) };
        await tx.lifecycle.recordCreated(tenant, actor);
        await tx.audit.record({
          actor,
          action: 'tenant.signup',
          tenantId: tenant.id,
          target: tenant.slug,
          outcome: 'ok',
          correlationId,
          details: {
            plan: draft.spec.plan,
            seats: draft.spec.seats,
            cloud: draft.spec.cloud,
            isolation: draft.spec.isolation,
          },
        });
        return this.links.prepare(tx, tenant, 'verify-email');
      });
    } catch (error) {
      if (error instanceof SlugTakenError) throw slugTaken(draft.slug, parsed.values);
      throw error;
    }
    const mailSent = await this.links.send(prepared);
    this.logger.info(
      { tenantId: prepared.tenant.id, slug: draft.slug, plan: draft.spec.plan },
      'tenant signed up',
    );
    return {
      tenantId: prepared.tenant.id,
      slug: draft.slug,
      hostname: draft.spec.hostname,
      state: prepared.tenant.state,
      emailHint: maskEmail(draft.email),
      mailSent,
    };
  }

  /** Bots that fill the hidden field get the same answer as people, and nothing is written. */
  private pretend(parsed: ReturnType<typeof parseSignupInput>): SignupResult {
    this.logger.warn('sign-up honeypot field filled; pretending success');
    const slug = parsed.ok ? parsed.draft.slug : (parsed.values.slug ?? 'unknown');
    const email = parsed.ok ? parsed.draft.email : (parsed.values.email ?? '');
    return {
      tenantId: null,
      slug,
      hostname: `${slug}.${this.config.baseDomain}`,
      state: 'pending_verification',
      emailHint: maskEmail(email),
      mailSent: true,
    };
  }
}

const isHoneypotFilled = (input: unknown): boolean => {
  const value =
    typeof input === 'object' && input !== null ? (input as Record<string, unknown>).website : undefined;
  return value !== undefined && value !== null && value !== '';
};

const slugTaken = (slug: string, values: SignupValues) =>
  Object.assign(
    new ConflictError(`"${slug}" is already taken`, [
      { path: 'slug', message: `"${slug}" is already taken; choose another name` },
    ]),
    {
      values,
    },
  );
