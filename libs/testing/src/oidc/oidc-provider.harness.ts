/**
 * A real OpenID Connect provider (oidc-provider 9) on loopback, for identity tests: discovery,
 * JWKS, authorization code + PKCE with one test account that is signed in without a form, and
 * `signToken` to mint access-token JWTs with any claims — signed by the provider's current key,
 * by a foreign key, with `alg: none` or HS256 — for the attack scenarios.
 *
 * Keys live in the harness so they can be rotated: `rotateKeys()` swaps in a provider instance
 * with a fresh key behind the same port and issuer, the way an IdP rolls its signing key.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type KeyObject,
} from 'jose';
import Provider from 'oidc-provider';

export interface TestAccount {
  sub: string;
  email: string;
  name: string;
  /** Identity-tenant id, as Entra ID puts it in every token. */
  tid?: string;
  roles?: string[];
  groups?: string[];
  [claim: string]: unknown;
}

export interface OidcProviderOptions {
  /** Default: a free port. */
  port?: number;
  /** Default audience of `signToken`. @default 'api://contextweaver-admin' */
  audience?: string;
  /** Claims of the account that signs in (merged over the default support manager). */
  account?: Partial<TestAccount>;
  /** The registered confidential client (secret + PKCE). */
  client?: { clientId?: string; clientSecret?: string; redirectUri?: string };
}

export interface SignTokenOptions {
  /** Header kid. @default the current key's kid */
  kid?: string;
  /** 'none' → unsigned token; 'HS256' → HMAC keyed with the current public key (key confusion). @default 'RS256' */
  alg?: string;
  /** Seconds from now; negative = already expired. @default 300 */
  expiresIn?: number;
  /** Seconds from now for nbf (omitted when undefined). */
  notBefore?: number;
  audience?: string | string[];
  issuer?: string;
  /** Sign with this private key instead of the provider's (a forgery). */
  key?: CryptoKey | KeyObject;
}

export interface TestOidcProvider {
  readonly issuer: string;
  /** The public JWKS currently published. */
  readonly jwks: JSONWebKeySet;
  readonly currentKid: string;
  readonly audience: string;
  readonly client: { clientId: string; clientSecret: string; redirectUri: string };
  readonly account: TestAccount;
  /** Requests served on the JWKS endpoint so far (to observe verifier caching). */
  readonly jwksRequests: number;
  /** An access-token JWT for the test account; `claims` override the account's claims. */
  signToken(claims?: Record<string, unknown>, options?: SignTokenOptions): Promise<string>;
  /** A new signing key becomes current; the old one is unpublished unless `keepPrevious`. Returns the new kid. */
  rotateKeys(options?: { keepPrevious?: boolean }): Promise<string>;
  /** Changes who signs in on the next authorization request. */
  setAccount(account: Partial<TestAccount>): void;
  stop(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  privateJwk: JWK;
  publicJwk: JWK;
  spkiPem: string;
}

const DEFAULT_ACCOUNT: TestAccount = {
  sub: 'support-ada',
  email: 'ada@support.contextweaver.test',
  name: 'Ada Support',
  tid: 'tid-contextweaver',
  roles: ['manager'],
  groups: [],
};
const JWKS_PATH = '/jwks';

async function newSigningKey(): Promise<SigningKey> {
  const kid = `k-${randomUUID().slice(0, 8)}`;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const meta = { kid, alg: 'RS256', use: 'sig' };
  return {
    kid,
    privateKey,
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
    spkiPem: await exportSPKI(publicKey),
  };
}

export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<TestOidcProvider> {
  let account: TestAccount = { ...DEFAULT_ACCOUNT, ...options.account };
  const audience = options.audience ?? 'api://contextweaver-admin';
  const cookieKeys = [randomBytes(32).toString('hex')];
  let keys: SigningKey[] = [await newSigningKey()];
  let jwksRequests = 0;
  let provider: Provider;
  let handle: (req: IncomingMessage, res: ServerResponse) => void;

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === JWKS_PATH) jwksRequests += 1;
    if (path.startsWith('/interaction/')) {
      autoInteraction(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(`test interaction failed: ${String(err)}`);
      });
      return;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = {
    clientId: options.client?.clientId ?? 'cw-admin',
    clientSecret: options.client?.clientSecret ?? randomBytes(24).toString('base64url'),
    redirectUri: options.client?.redirectUri ?? 'http://127.0.0.1/admin/callback',
  };

  const build = () => {
    provider = new Provider(issuer, {
      clients: [
        {
          client_id: client.clientId,
          client_secret: client.clientSecret,
          redirect_uris: [client.redirectUri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      jwks: { keys: keys.map((k) => k.privateJwk) },
      cookies: { keys: cookieKeys },
      findAccount: async (_ctx: unknown, sub: string) =>
        sub === account.sub
          ? { accountId: sub, claims: async () => ({ ...account, email_verified: true }) }
          : undefined,
      // Entra-like: tid, roles and groups come with the openid scope, straight in the ID token.
      claims: {
        openid: ['sub', 'tid', 'roles', 'groups'],
        email: ['email', 'email_verified'],
        profile: ['name'],
      },
      conformIdTokenClaims: false,
      ttl: {
        AuthorizationCode: 60,
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
        AccessToken: 600,
        IdToken: 600,
      },
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      clientBasedCORS: () => false,
      renderError: async (ctx: { type: string; body: unknown }, out: unknown) => {
        ctx.type = 'json';
        ctx.body = out;
      },
    });
    handle = provider.callback();
  };
  build();

  // Stands in for the login and consent pages: the configured account signs in and grants
  // whatever the client asked for.
  async function autoInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.sub } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const grant = new provider.Grant({
      accountId: details.session?.accountId ?? account.sub,
      clientId: String(details.params.client_id),
    });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  const current = (): SigningKey => keys[0] as SigningKey;

  return {
    issuer,
    audience,
    client,
    get account() {
      return account;
    },
    get jwks() {
      return { keys: keys.map((k) => k.publicJwk) };
    },
    get currentKid() {
      return current().kid;
    },
    get jwksRequests() {
      return jwksRequests;
    },

    async signToken(claims = {}, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = {
        ...account,
        ...claims,
        iss: opts.issuer ?? issuer,
        aud: opts.audience ?? audience,
        iat: now,
        exp: now + (opts.expiresIn ?? 300),
        ...(opts.notBefore === undefined ? {} : { nbf: now + opts.notBefore }),
      };
      const alg = opts.alg ?? 'RS256';
      if (alg === 'none') return new UnsecuredJWT(payload).encode();
      const key = alg.startsWith('HS')
        ? new TextEncoder().encode(current().spkiPem)
        : (opts.key ?? current().privateKey);
      return new SignJWT(payload)
        .setProtectedHeader({ alg, kid: opts.kid ?? current().kid, typ: 'at+jwt' })
        .sign(key);
    },

    async rotateKeys({ keepPrevious = false } = {}) {
      const next = await newSigningKey();
      keys = keepPrevious ? [next, ...keys] : [next];
      build();
      return next.kid;
    },

    setAccount(changes) {
      account = { ...account, ...changes };
    },

    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
