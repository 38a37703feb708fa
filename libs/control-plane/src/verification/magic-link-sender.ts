/**
 * Issues a magic link for a tenant (hash stored, older open links revoked) and mails it.
 * Shared by sign-up and resend.
 */
import { hashId } from '@cw/observability';
import type { Mailer } from '@cw/mail';
import type { Repositories, TenantRecord, TokenPurpose } from '@cw/db';
import type { SigningKeys } from '../session/keys.js';
import type { Clock, Logger } from '../ports.js';
import { adminEmailOf } from '../status/tenant-access.js';
import { MAGIC_LINK_TTL_MS, issueMagicToken } from './magic-link.js';
import { verificationMail } from './verification-mail.js';

export interface MagicLinkConfig {
  /** Public base URL of the control plane, e.g. https://signup.contextweaver.io (no trailing slash). */
  publicUrl: string;
  ttlMs?: number;
}

export interface PreparedMail {
  tenant: TenantRecord;
  purpose: TokenPurpose;
  link: string;
}

export class MagicLinkSender {
  constructor(
    private readonly keys: SigningKeys,
    private readonly mailer: Mailer,
    private readonly config: MagicLinkConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Inside a transaction: revoke the tenant's open links of this purpose and store the new hash. */
  async prepare(tx: Repositories, tenant: TenantRecord, purpose: TokenPurpose): Promise<PreparedMail> {
    const { token, hash, expiresAt } = issueMagicToken(this.keys, this.clock(), this.ttlMs);
    await tx.emailTokens.revokeOpen(tenant.id, purpose, this.clock());
    await tx.emailTokens.create({ tenantId: tenant.id, tokenHash: hash, purpose, expiresAt });
    return { tenant, purpose, link: `${this.config.publicUrl}/verify?token=${encodeURIComponent(token)}` };
  }

  /** After commit. A delivery failure is logged, not thrown: the customer can ask for a resend. */
  async send(prepared: PreparedMail): Promise<boolean> {
    const { tenant, purpose, link } = prepared;
    const to = adminEmailOf(tenant);
    try {
      await this.mailer.send(
        verificationMail({
          to,
          organisationName: tenant.displayName,
          link,
          purpose,
          ttlMinutes: Math.round(this.ttlMs / 60_000),
        }),
      );
      this.logger.info(
        { tenantId: tenant.id, purpose, to: hashId(to), transport: this.mailer.transport },
        'magic link sent',
      );
      return true;
    } catch (error) {
      this.logger.error({ err: error, tenantId: tenant.id, purpose }, 'magic link could not be sent');
      return false;
    }
  }

  private get ttlMs(): number {
    return this.config.ttlMs ?? MAGIC_LINK_TTL_MS;
  }
}
