/**
 * A stand-in for cerebro's token side: an ES256 key pair, its JWKS served over real HTTP on
 * 127.0.0.1, and a minter of engine tokens (with knobs to forge the bad ones).
 */
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

export interface TestUser {
  sub: string;
  email: string;
  roles: string[];
  groups: string[];
}

export interface MintOptions {
  aud?: string;
  iss?: string;
  tenant?: string;
  /** Seconds from now. */
  exp?: number;
  nbf?: number;
  iat?: number;
  /** Sign with a key the JWKS does not hold. */
  foreignKey?: boolean;
  omit?: string[];
}

export interface TokenIssuer {
  issuer: string;
  jwksUrl: string;
  mint(user: TestUser, opts?: MintOptions): Promise<string>;
  /** An unsigned token (`alg: none`). */
  unsigned(user: TestUser, opts?: MintOptions): string;
  /** HS256 signed with the public JWK's `x` as secret (the classic key-confusion attempt). */
  hmac(user: TestUser, opts?: MintOptions): Promise<string>;
  close(): Promise<void>;
}

export async function startTokenIssuer(opts: { tenant: string; audience: string }): Promise<TokenIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const foreign = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ keys: [jwk] }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const claims = (user: TestUser, o: MintOptions) => {
    const now = Math.floor(Date.now() / 1000);
    const all: Record<string, unknown> = {
      iss: o.iss ?? base,
      aud: o.aud ?? opts.audience,
      sub: user.sub,
      email: user.email,
      roles: user.roles,
      groups: user.groups,
      tenant: o.tenant ?? opts.tenant,
      jti: randomUUID(),
      iat: now + (o.iat ?? 0),
      nbf: now + (o.nbf ?? -1),
      exp: now + (o.exp ?? 120),
    };
    for (const k of o.omit ?? []) delete all[k];
    return all;
  };
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return {
    issuer: base,
    jwksUrl: `${base}/.well-known/jwks.json`,
    mint: (user, o = {}) =>
      new SignJWT(claims(user, o))
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'JWT' })
        .sign(o.foreignKey ? foreign.privateKey : privateKey),
    unsigned: (user, o = {}) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(user, o))}.`,
    hmac: (user, o = {}) =>
      new SignJWT(claims(user, o))
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .sign(new TextEncoder().encode(JSON.stringify(jwk))),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
