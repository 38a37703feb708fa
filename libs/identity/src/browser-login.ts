/**
 * Browser sign-in for support staff: authorization code flow with PKCE, state and nonce, over
 * openid-client. `startLogin` gives the IdP URL plus the values the app keeps in a short-lived,
 * http-only cookie; `finishLogin` redeems the callback and returns the session user. The ID
 * token then goes through the same verification as bearer tokens (algorithm allowlist, JWKS
 * signature, iss, aud = client id, tenant allowlist, roles) — one policy for both doors.
 */
import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import {
  browserLoginConfigSchema,
  parseIdentityConfig,
  type BrowserLoginConfig,
  type BrowserLoginConfigInput,
} from './config.js';
import { AuthenticationError, IdentityProviderUnavailableError } from './errors.js';
import { createIssuerKeys, discoverIssuer } from './issuer-keys.js';
import { principalToSession, type SessionUser } from './session.js';
import { verifyToken, type TokenCheck } from './token-verifier.js';

/** What the app must keep between startLogin and finishLogin (server side or sealed cookie). */
export interface PendingLogin {
  state: string;
  codeVerifier: string;
  nonce: string;
}
export interface StartedLogin extends PendingLogin {
  /** Where to redirect the browser. */
  url: string;
}

export interface BrowserLogin {
  start(): Promise<StartedLogin>;
  /** `callbackUrl` may be absolute or the request path + query (`req.originalUrl`). */
  finish(callbackUrl: string | URL, saved: PendingLogin): Promise<SessionUser>;
}

export function createBrowserLogin(input: BrowserLoginConfigInput): BrowserLogin {
  const config = parseIdentityConfig(browserLoginConfigSchema, input);
  let discovered: Promise<oidc.Configuration> | undefined;
  const client = () =>
    (discovered ??= discoverIssuer(config, config.clientId, config.clientSecret).catch((cause: unknown) => {
      discovered = undefined; // not cached: the next sign-in tries again
      throw new IdentityProviderUnavailableError(`discovery of ${config.issuer} failed`, { cause });
    }));
  const check: TokenCheck = { ...config, audience: config.clientId, keys: createIssuerKeys(config) };

  return {
    async start() {
      const cfg = await client();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(cfg, {
        redirect_uri: config.redirectUri,
        scope: config.scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url: url.href, state, codeVerifier, nonce };
    },

    async finish(callbackUrl, saved) {
      const cfg = await client();
      // The registered redirect URI, not the URL the request arrived on: behind a proxy they differ.
      const current = new URL(config.redirectUri);
      current.search = new URL(callbackUrl, config.redirectUri).search;
      let idToken: string | undefined;
      try {
        const tokens = await oidc.authorizationCodeGrant(cfg, current, {
          pkceCodeVerifier: saved.codeVerifier,
          expectedState: saved.state,
          expectedNonce: saved.nonce,
          idTokenExpected: true,
        });
        idToken = tokens.id_token;
      } catch (cause) {
        if (isUnreachable(cause))
          throw new IdentityProviderUnavailableError('the token endpoint did not answer', { cause });
        throw new AuthenticationError('login_failed', { cause });
      }
      if (!idToken) throw new AuthenticationError('login_failed');
      return principalToSession(await verifyToken(idToken, check));
    },
  };
}

const isUnreachable = (err: unknown): boolean =>
  (err instanceof oidc.ClientError && (err.code === 'OAUTH_TIMEOUT' || err.code === 'OAUTH_ABORT')) ||
  (err instanceof TypeError && err.message === 'fetch failed');

// One BrowserLogin per distinct config, so the function form below does discovery once.
const logins = new Map<string, BrowserLogin>();
function loginFor(input: BrowserLoginConfigInput): BrowserLogin {
  const config: BrowserLoginConfig = parseIdentityConfig(browserLoginConfigSchema, input);
  // Hashed key: the config holds the client secret, which should not sit in a map key in clear.
  const key = createHash('sha256').update(JSON.stringify(config)).digest('hex');
  let login = logins.get(key);
  if (!login) logins.set(key, (login = createBrowserLogin(config)));
  return login;
}

export const startLogin = (config: BrowserLoginConfigInput): Promise<StartedLogin> =>
  loginFor(config).start();

export const finishLogin = (
  config: BrowserLoginConfigInput,
  callbackUrl: string | URL,
  saved: PendingLogin,
): Promise<SessionUser> => loginFor(config).finish(callbackUrl, saved);
