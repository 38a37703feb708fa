/**
 * Cerebro as the OAuth 2.1 authorization server of its engines for external MCP clients (VS Code,
 * Claude Desktop, the MCP Inspector): oidc-provider mounted under /oauth with the issuer = cerebro's
 * URL (what the engines' RFC 9728 metadata names and what their verifier checks).
 *
 * - authorization code + PKCE (S256, required for every client); public clients only
 *   (`token_endpoint_auth_method: none`), registered dynamically (RFC 7591): a client secret would
 *   be a secret in a store row, and PKCE is what protects a public client's code;
 * - RFC 8707 resource indicators: `resource` must be exactly one of this tenant's engines' MCP URLs;
 *   the access token's `aud` is that URL, so a token for one engine is refused by every other;
 * - access tokens are ES256 JWTs signed with the engine-token mint's keys (same JWKS the engines
 *   already verify) carrying the claims the engine's verifier requires (`email`, `roles`,
 *   `groups`, `tenant`, `nbf`), read from the person's record at issue time, so a role change
 *   applies at the next refresh and a disabled person cannot refresh;
 * - refresh tokens rotate on every use (a reused one revokes the grant: oidc-provider's default);
 * - the login is the person's cerebro session: every authorization goes through the consent page
 *   (`/connect/:uid`), which requires that session.
 */
import { createHmac } from 'node:crypto';
import * as oidc from 'oidc-provider';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import type { CerebroDeps } from '../deps.js';
import type { Services } from '../services.js';
import { html } from '../views/html.js';
import { renderPage } from '../views/layout.js';
import { adapterFor } from './store.adapter.js';
import type { Request } from 'express';
import { MAX_ENGINE_TOKEN_LIFETIME_SECONDS } from '@cw/tenant-model';

/** Engines refuse tokens living longer than this (the rotation's timing contract, @cw/tenant-model). */
export const ACCESS_TOKEN_TTL_SECONDS = MAX_ENGINE_TOKEN_LIFETIME_SECONDS;
export const REFRESH_TOKEN_TTL_SECONDS = 14 * 86_400;
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;
export const INTERACTION_TTL_SECONDS = 15 * 60;
/** The mount path of the provider's endpoints (authorize, token, register, revoke, jwks). */
export const OAUTH_MOUNT = '/oauth';
/** The consent page; the provider sends the browser here for every authorization. */
export const CONNECT_PATH = '/connect';
const RESOURCE_SCOPE = 'mcp';

// oidc-provider ships no types; this is the surface cerebro uses (see libs/testing's oidc-provider.d.ts).
interface OidcGrant {
  accountId?: string;
  clientId?: string;
  addOIDCScope(scope: string): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}
export interface OidcInteraction {
  uid: string;
  prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
  params: Record<string, unknown>;
  grantId?: string;
  session?: { accountId?: string };
}
interface OidcClient {
  clientId: string;
  clientName?: string;
  redirectUris?: string[];
  grantTypeAllowed(type: string): boolean;
}
export interface OidcProvider {
  readonly issuer: string;
  proxy: boolean;
  Grant: {
    new (p: { clientId: string; accountId: string }): OidcGrant;
    find(id: string): Promise<OidcGrant | undefined>;
  };
  Client: { find(id: string): Promise<OidcClient | undefined> };
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<OidcInteraction>;
  interactionResult(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<string>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  use(middleware: (ctx: KoaCtx, next: () => Promise<void>) => Promise<void>): unknown;
}
interface Check {
  new (reason: string, description: string, check: (ctx: OidcCtx) => boolean): unknown;
  REQUEST_PROMPT: boolean;
  NO_NEED_TO_PROMPT: boolean;
}
interface KoaCtx {
  path: string;
  method: string;
  query: Record<string, unknown>;
}
interface OidcCtx {
  req: IncomingMessage;
  oidc: { result?: { consent?: unknown } };
  type: string;
  body: string;
}
const { interactionPolicy } = oidc as unknown as {
  interactionPolicy: {
    Check: Check;
    base(): { get(name: string): { checks: { add(check: unknown): void } } };
  };
};
const ProviderClass = oidc.default as unknown as new (
  issuer: string,
  configuration: Record<string, unknown>,
) => OidcProvider;

export interface AuthorizationServer {
  /** The current provider (a new one after a key change; all state is in the store). */
  readonly provider: OidcProvider;
  /** The current provider's request handler. */
  handler(): (req: IncomingMessage, res: ServerResponse) => void;
  /** Rebuilds the provider with new signing keys (the signing key first). */
  rekey(signingKeys: JWK[]): void;
  /** The engine an MCP URL belongs to, when it is one of this tenant's. */
  engineOf(resource: string): { name: string; mcpUrl: string } | undefined;
}

export async function createAuthorizationServer(
  deps: CerebroDeps,
  services: Pick<Services, 'users' | 'groups'>,
  signingKeys: JWK[],
): Promise<AuthorizationServer> {
  const { config } = deps;
  const engines = config.engines.map((e) => ({ name: e.name, mcpUrl: e.mcpUrl }));
  const engineOf = (resource: string) => engines.find((e) => e.mcpUrl === resource);

  const activeUser = async (userId: string) => {
    const user = await services.users.get(userId);
    return user?.status === 'active' ? user : undefined;
  };

  // Every authorization is confirmed on the consent page by the signed-in person, whatever
  // oidc-provider's own session remembers.
  const policy = interactionPolicy.base();
  const { Check } = interactionPolicy;
  policy
    .get('consent')
    .checks.add(
      new Check('cerebro_confirmation', 'the signed-in person confirms each connection', (ctx) =>
        ctx.oidc.result?.consent ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
      ),
    );

  const build = (signingKeys: JWK[]): OidcProvider => {
    const provider = new ProviderClass(config.url, {
      adapter: adapterFor(
        deps.store,
        createHmac('sha256', deps.sessionKey).update('cerebro oauth index seal').digest(),
      ),
      clients: [],
      clientAuthMethods: ['none'],
      clientDefaults: {
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        id_token_signed_response_alg: 'ES256',
      },
      responseTypes: ['code'],
      scopes: ['openid', 'offline_access'],
      discovery: { scopes_supported: ['openid', 'offline_access', RESOURCE_SCOPE] },
      claims: { openid: ['sub'] },
      cookies: {
        keys: [createHmac('sha256', deps.sessionKey).update('cerebro oauth cookies').digest('base64url')],
      },
      enabledJWA: {
        idTokenSigningAlgValues: ['ES256'],
        requestObjectSigningAlgValues: ['ES256'],
        authorizationSigningAlgValues: ['ES256'],
      },
      features: {
        devInteractions: { enabled: false },
        registration: { enabled: true },
        revocation: { enabled: true },
        userinfo: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string | string[]) => oneOf,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => {
            if (!engineOf(resource)) throw new (oidcErrors().InvalidTarget)();
            return {
              scope: RESOURCE_SCOPE,
              audience: resource,
              accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'ES256' } },
            };
          },
        },
      },
      pkce: { required: () => true },
      jwks: { keys: signingKeys },
      async findAccount(_ctx: unknown, sub: string) {
        const user = await activeUser(sub);
        if (!user) return undefined;
        return { accountId: user.userId, claims: () => ({ sub: user.userId }) };
      },
      // The claims the engine's verifier requires, current at issue time.
      async extraTokenClaims(_ctx: unknown, token: { kind?: string; accountId?: string }) {
        if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
        const user = await activeUser(token.accountId);
        if (!user) return undefined;
        const ids = await services.groups.groupIdsOf(user.userId);
        return {
          email: user.email,
          roles: [...user.roles],
          groups: [...user.idpGroups, ...ids],
          tenant: config.tenant,
          nbf: Math.floor(Date.now() / 1000) - 5,
        };
      },
      issueRefreshToken: (_ctx: unknown, client: OidcClient) => client.grantTypeAllowed('refresh_token'),
      rotateRefreshToken: () => true,
      expiresWithSession: () => false,
      interactions: {
        policy,
        url: (_ctx: unknown, interaction: { uid: string }) => `${CONNECT_PATH}/${interaction.uid}`,
      },
      ttl: {
        AccessToken: ACCESS_TOKEN_TTL_SECONDS,
        AuthorizationCode: AUTHORIZATION_CODE_TTL_SECONDS,
        IdToken: ACCESS_TOKEN_TTL_SECONDS,
        Interaction: INTERACTION_TTL_SECONDS,
        Session: INTERACTION_TTL_SECONDS,
        Grant: REFRESH_TOKEN_TTL_SECONDS,
        RefreshToken: REFRESH_TOKEN_TTL_SECONDS,
      },
      renderError(ctx: OidcCtx, out: { error?: string; error_description?: string }) {
        ctx.type = 'html';
        ctx.body = renderPage(ctx.req as Request, {
          title: 'Cannot connect',
          body: html`<h1>Cannot connect this client</h1>
          <p>${out.error_description ?? 'The request was not valid.'}</p>
          <p class="hint">Error code: <code>${out.error ?? 'invalid_request'}</code>. Start the connection again from your MCP client.</p>`,
        });
      },
    });
    // MCP clients usually ask for no scope (the engines' metadata lists none); oidc-provider grants
    // nothing without one, so an authorization request without `scope` asks for the engines' scope.
    provider.use(async (ctx: KoaCtx, next: () => Promise<void>) => {
      if (ctx.path === '/auth' && ctx.method === 'GET' && !ctx.query.scope)
        ctx.query = { ...ctx.query, scope: RESOURCE_SCOPE };
      await next();
    });
    // Behind the ingress the public scheme and host come from X-Forwarded-*.
    provider.proxy = true;
    provider.on('server_error', (_ctx: unknown, error: unknown) =>
      deps.logger.error({ err: error }, 'oauth server error'),
    );
    return provider;
  };
  let provider = build(signingKeys);
  let handler = provider.callback();
  return {
    get provider() {
      return provider;
    },
    handler: () => handler,
    rekey(keys: JWK[]) {
      const next = build(keys);
      const nextHandler = next.callback();
      provider = next;
      handler = nextHandler;
    },
    engineOf,
  };
}

function oidcErrors(): { InvalidTarget: new (description?: string) => Error } {
  return (oidc as unknown as { errors: { InvalidTarget: new (description?: string) => Error } }).errors;
}
