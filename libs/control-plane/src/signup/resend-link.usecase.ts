/**
 * "Send me the link again": for each tenant of this admin e-mail, a new link — a verification link
 * while the tenant waits for verification, a sign-in link afterwards. The answer never says whether
 * the address is known (no account enumeration); rate-limited per address and per IP.
 */
import { LIVE_STATES } from '@cw/tenant-model';
import type { Database } from '@cw/db';
import type { RequestContext } from '../context.js';
import { ValidationFailedError } from '../errors.js';
import type { Logger, RateLimiter } from '../ports.js';
import type { MagicLinkSender } from '../verification/magic-link-sender.js';
import { emailProblem, normaliseEmail } from './signup-input.js';
import { enforceLimit, type SignupLimits } from './rate-limits.js';
import { maskEmail } from './mask-email.js';

export class ResendLinkUseCase {
  constructor(
    private readonly db: Database,
    private readonly links: MagicLinkSender,
    private readonly limiter: RateLimiter,
    private readonly limits: SignupLimits,
    private readonly logger: Logger,
  ) {}

  async execute(input: unknown, ctx: RequestContext): Promise<{ emailHint: string }> {
    const raw =
      typeof input === 'object' && input !== null ? (input as Record<string, unknown>).email : undefined;
    if (typeof raw !== 'string')
      throw new ValidationFailedError([
        { path: 'email', message: raw === undefined ? 'is required' : 'must be text' },
      ]);
    const email = normaliseEmail(raw.trim());
    const problem = emailProblem(email);
    if (problem) throw new ValidationFailedError([{ path: 'email', message: problem }]);
    await enforceLimit(this.limiter, 'resend-ip', ctx.ip, this.limits.perIp);
    await enforceLimit(this.limiter, 'resend-email', email.toLowerCase(), this.limits.resendPerEmail);

    const tenants = await this.db.tenants.findByAdminEmail(email, LIVE_STATES);
    for (const tenant of tenants.slice(0, 5)) {
      const purpose = tenant.state === 'pending_verification' ? 'verify-email' : 'sign-in';
      const prepared = await this.db.transaction((tx) => this.links.prepare(tx, tenant, purpose));
      await this.links.send(prepared);
    }
    this.logger.info({ tenants: tenants.length }, 'magic link resend requested');
    return { emailHint: maskEmail(email) };
  }
}
