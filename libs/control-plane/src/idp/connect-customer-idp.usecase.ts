/**
 * Onboarding step "connect your identity provider": the customer admin (magic-link session)
 * enters issuer, client id and client secret. The provider is checked with `validateCustomerIdp`
 * and every problem is reported in plain words next to its field. When all is well the secret
 * goes to the tenant's vault (never the database or the Tenant), `spec.identity` names it by key,
 * and a `resync` run re-applies the Tenant.
 */
import { isGone, validateTenantSpec, type TenantIdentity, type TenantState } from '@cw/tenant-model';
import type { Database } from '@cw/db';
import { hashId } from '@cw/observability';
import { validateCustomerIdp } from '@cw/identity';
import type { RequestContext } from '../context.js';
import { ConflictError, RateLimitedError, ValidationFailedError, type FieldError } from '../errors.js';
import type { Logger, RateLimitRule, RateLimiter } from '../ports.js';
import type { ProvisioningDispatcher } from '../lifecycle/provisioning-dispatcher.js';
import type { SessionPayload } from '../session/session-cookie.js';
import { tenantForSession } from '../status/tenant-access.js';
import type { SecretVault } from './secret-vault.js';

/** The vault secret name of the cerebro OIDC client secret. */
export const IDP_CLIENT_SECRET_KEY = 'cerebro-oidc-client-secret';
export const IDP_FIELDS = ['issuer', 'clientId', 'clientSecret'] as const;
export type IdpField = (typeof IDP_FIELDS)[number];
export type IdpFormValues = Partial<Record<IdpField | 'tenantId', string>>;

export type IdpValidator = (input: {
  issuer: string;
  clientId: string;
}) => Promise<{ ok: boolean; problems: string[] }>;

export interface ConnectIdpResult {
  tenantId: string;
  slug: string;
  issuer: string;
  clientId: string;
  /** Where the secret is: a key in the tenant vault. */
  clientSecretRef: { key: string };
  run: { id: string; goal: 'resync' } | null;
  message: string;
}

/** States whose Tenant is (being) applied: a re-sync carries the change to the cluster. */
const APPLIED: readonly TenantState[] = ['provisioning', 'active', 'suspended'];
const LIMITS: Record<IdpField, number> = { issuer: 2048, clientId: 255, clientSecret: 4096 };
const LABELS: Record<IdpField, string> = {
  issuer: 'The issuer URL',
  clientId: 'The client id',
  clientSecret: 'The client secret',
};

/**
 * Each check makes the platform fetch a URL the customer typed: bounded per tenant, so a signed-in
 * customer cannot turn the form into a scanner even of public hosts.
 */
export const IDP_CHECKS_PER_TENANT: RateLimitRule = { limit: 10, windowMs: 10 * 60_000 };

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

/** A discovery problem belongs next to the client id when it talks about it, else next to the issuer. */
const fieldOfProblem = (problem: string): IdpField => (/client id/i.test(problem) ? 'clientId' : 'issuer');

export class ConnectCustomerIdpUseCase {
  private readonly validate: IdpValidator;

  constructor(
    private readonly db: Database,
    private readonly vault: SecretVault,
    private readonly dispatcher: ProvisioningDispatcher,
    private readonly logger: Logger,
    validate?: IdpValidator,
    private readonly limiter?: RateLimiter,
    private readonly checksPerTenant: RateLimitRule = IDP_CHECKS_PER_TENANT,
  ) {
    this.validate = validate ?? ((input) => validateCustomerIdp(input, { logger }));
  }

  /** What the form shows: the tenant and its current connection (never the secret). */
  async current(session: SessionPayload | undefined, tenantId?: string) {
    const tenant = await tenantForSession(this.db, session, tenantId);
    const identity = tenant.spec.identity;
    return {
      tenantId: tenant.id,
      slug: tenant.slug,
      displayName: tenant.displayName,
      state: tenant.state,
      identity: identity
        ? {
            issuer: identity.issuer,
            clientId: identity.clientId,
            hasSecret:
              !!identity.clientSecretRef &&
              (await this.vault.has({ slug: tenant.slug }, identity.clientSecretRef.key)),
          }
        : null,
    };
  }

  async execute(
    session: SessionPayload | undefined,
    raw: Record<string, unknown>,
    ctx: RequestContext,
  ): Promise<ConnectIdpResult> {
    const tenant = await tenantForSession(this.db, session, text(raw.tenantId) || undefined);
    if (isGone(tenant.state))
      throw new ConflictError(
        `the workspace is ${tenant.state}; its identity provider can no longer be changed`,
      );
    const actor = { kind: 'customer' as const, emailHash: hashId(session!.email) };
    const input = {
      issuer: text(raw.issuer),
      clientId: text(raw.clientId),
      clientSecret: typeof raw.clientSecret === 'string' ? raw.clientSecret.trim() : '',
    };

    const fields: FieldError[] = [];
    for (const field of IDP_FIELDS) {
      if (!input[field]) fields.push({ path: field, message: `${LABELS[field]} is empty.` });
      else if (input[field].length > LIMITS[field])
        fields.push({ path: field, message: `${LABELS[field]} is longer than ${LIMITS[field]} characters.` });
    }
    let identity: TenantIdentity | undefined;
    if (fields.length === 0) {
      const allowed = await this.limiter?.consume(`idp-check:${tenant.id}`, this.checksPerTenant);
      if (allowed && !allowed.allowed)
        throw new RateLimitedError('identity provider checks', Math.ceil(allowed.retryAfterMs / 1000));
      const checked = await this.validate({ issuer: input.issuer, clientId: input.clientId });
      for (const problem of checked.problems)
        fields.push({ path: fieldOfProblem(problem), message: problem });
      identity = {
        ...(tenant.spec.identity ?? { allowedTenantIds: [], groupsClaim: 'groups', rolesClaim: 'roles' }),
        issuer: input.issuer,
        clientId: input.clientId,
        clientSecretRef: { key: IDP_CLIENT_SECRET_KEY },
      };
      const spec = validateTenantSpec({ ...tenant.spec, identity });
      if (!spec.ok) {
        for (const issue of spec.issues) {
          const field = issue.path.endsWith('.issuer')
            ? 'issuer'
            : issue.path.endsWith('.clientId')
              ? 'clientId'
              : 'issuer';
          if (!fields.some((f) => f.path === field))
            fields.push({ path: field, message: `${LABELS[field]} ${issue.message}.` });
        }
      }
    }
    if (fields.length > 0) {
      await this.db.audit.record({
        actor,
        action: 'tenant.identity.connect',
        tenantId: tenant.id,
        target: tenant.slug,
        outcome: 'rejected',
        correlationId: ctx.correlationId,
        details: { problems: fields.length },
      });
      throw new ValidationFailedError(
        fields,
        `the identity provider cannot be used yet: ${fields.map((f) => f.message).join(' ')}`,
      );
    }

    // The secret first: the spec may only name a key that exists.
    await this.vault.put(
      { slug: tenant.slug, binding: tenant.spec.bindings.vault },
      IDP_CLIENT_SECRET_KEY,
      input.clientSecret,
    );
    const planned = await this.db.transaction(async (tx) => {
      const locked = await tx.tenants.findByIdForUpdate(tenant.id);
      if (!locked || isGone(locked.state))
        throw new ConflictError(
          'the workspace is being removed; its identity provider can no longer be changed',
        );
      const updated = await tx.tenants.updateSpec(locked.id, { ...locked.spec, identity: identity! });
      await tx.audit.record({
        actor,
        action: 'tenant.identity.connect',
        tenantId: locked.id,
        target: locked.slug,
        outcome: 'ok',
        correlationId: ctx.correlationId,
        details: {
          issuer: input.issuer,
          clientId: input.clientId,
          clientSecretRef: IDP_CLIENT_SECRET_KEY,
          vault: this.vault.kind,
        },
      });
      if (!APPLIED.includes(locked.state)) return undefined;
      return this.dispatcher.plan(
        tx,
        updated,
        'resync',
        `identity:v${updated.specVersion}`,
        ctx.correlationId,
      );
    });
    if (planned) await this.dispatcher.dispatch([planned]);
    this.logger.info(
      { tenantId: tenant.id, issuer: input.issuer, vault: this.vault.kind },
      'customer identity provider connected',
    );
    return {
      tenantId: tenant.id,
      slug: tenant.slug,
      issuer: input.issuer,
      clientId: input.clientId,
      clientSecretRef: { key: IDP_CLIENT_SECRET_KEY },
      run: planned ? { id: planned.run.id, goal: 'resync' } : null,
      message: planned
        ? 'Connected. Your workspace is being updated to sign in through your identity provider.'
        : 'Connected. Your workspace will sign in through your identity provider once it is set up.',
    };
  }
}
