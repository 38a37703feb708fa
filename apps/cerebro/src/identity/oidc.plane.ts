/**
 * One OpenID Connect sign-in plane (the customer's IdP, or the platform's admin IdP for provider
 * support): authorization code + PKCE, state and nonce through openid-client, which also checks
 * the ID token's iss, aud, exp and nonce; then @cw/identity verifies its signature against the
 * issuer's JWKS and applies the claim policy (tid allowlist, roles, groups). Entra's group
 * overage (`_claim_names.groups` / `hasgroups`) is refused with a clear reason: cerebro does not
 * call Microsoft Graph, and guessing groups would widen access.
 */
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import {
  AuthenticationError,
  createBearerVerifier,
  IdentityProviderUnavailableError,
  type Principal,
} from '@cw/identity';

export interface OidcPlaneConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
  allowedTenantIds: readonly string[];
  tenantIdClaim: string;
  rolesClaim: string;
  groupsClaim: string;
  allowInsecure: boolean;
}

export type RefusalReason =
  | 'expired'
  | 'bad_signature'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'tenant_not_allowed'
  | 'login_failed'
  | 'group_overage'
  | 'malformed'
  | 'idp_unavailable'
  | 'not_yet_valid'
  | 'alg_not_allowed'
  | 'missing_token';

export class SignInRefused extends Error {
  constructor(
    readonly reason: RefusalReason | 'disabled' | 'not_active' | 'no_provider_grant' | 'invalid_or_used',
  ) {
    super(`sign-in refused: ${reason}`);
    this.name = 'SignInRefused';
  }
}

export interface PendingOidc {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export class OidcPlane {
  private discovered: Promise<oidc.Configuration> | undefined;
  private readonly verifier;

  constructor(
    private readonly config: OidcPlaneConfig,
    private readonly fetchImpl?: typeof fetch,
  ) {
    this.verifier = createBearerVerifier({
      issuer: config.issuer,
      audience: config.clientId,
      allowedTenantIds: [...config.allowedTenantIds],
      tenantIdClaim: config.tenantIdClaim,
      rolesClaim: config.rolesClaim,
      groupsClaim: config.groupsClaim,
      allowInsecureRequests: config.allowInsecure,
    });
  }

  private client(): Promise<oidc.Configuration> {
    this.discovered ??= oidc
      .discovery(
        new URL(this.config.issuer),
        this.config.clientId,
        undefined,
        this.config.clientSecret ? oidc.ClientSecretBasic(this.config.clientSecret) : oidc.None(),
        {
          execute: this.config.allowInsecure ? [oidc.allowInsecureRequests] : [],
          timeout: 5,
          ...(this.fetchImpl ? { [oidc.customFetch]: this.fetchImpl } : {}),
        },
      )
      .catch((cause: unknown) => {
        this.discovered = undefined;
        throw new SignInRefusedUnavailable(cause);
      });
    return this.discovered;
  }

  async start(): Promise<{ url: string; pending: PendingOidc }> {
    const cfg = await this.client();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(cfg, {
      redirect_uri: this.config.redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, pending: { state, nonce, codeVerifier } };
  }

  /** The callback's query → a verified Principal, or SignInRefused with the reason. */
  async finish(query: string, pending: PendingOidc): Promise<Principal> {
    const cfg = await this.client();
    const current = new URL(this.config.redirectUri);
    current.search = query;
    let idToken: string | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(cfg, current, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      idToken = tokens.id_token;
    } catch (cause) {
      throw new SignInRefused(reasonOfClientError(cause));
    }
    if (!idToken) throw new SignInRefused('login_failed');
    let principal: Principal;
    try {
      principal = await this.verifier.verify(`Bearer ${idToken}`);
    } catch (error) {
      if (error instanceof AuthenticationError) throw new SignInRefused(error.reason);
      if (error instanceof IdentityProviderUnavailableError) throw new SignInRefused('idp_unavailable');
      throw error;
    }
    if (hasGroupOverage(decodeJwt(idToken))) throw new SignInRefused('group_overage');
    return principal;
  }
}

class SignInRefusedUnavailable extends SignInRefused {
  constructor(cause: unknown) {
    super('idp_unavailable');
    this.cause = cause;
  }
}

/** Entra ID: too many groups for the token → a pointer to Graph instead of the list. */
export function hasGroupOverage(claims: Record<string, unknown>): boolean {
  const names = claims._claim_names as Record<string, unknown> | undefined;
  return Boolean(
    (names && typeof names === 'object' && 'groups' in names) ||
    claims.hasgroups === true ||
    claims.hasgroups === 'true',
  );
}

function reasonOfClientError(cause: unknown): RefusalReason {
  if (cause instanceof TypeError && cause.message === 'fetch failed') return 'idp_unavailable';
  // openid-client wraps oauth4webapi's error: the claim sits one or two causes down.
  const err = cause as { code?: string; cause?: { claim?: string; cause?: { claim?: string } } };
  const claim = err.cause?.claim ?? err.cause?.cause?.claim;
  if (err.code === 'OAUTH_TIMEOUT' || err.code === 'OAUTH_ABORT') return 'idp_unavailable';
  if (err.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') return 'expired';
  if (err.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') {
    if (claim === 'aud') return 'wrong_audience';
    if (claim === 'iss') return 'wrong_issuer';
  }
  return 'login_failed';
}
