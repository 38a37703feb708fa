/**
 * Cerebro is the authorization server of its engines: it mints short-lived ES256 JWTs for one
 * user and one engine (`aud` = the engine's MCP resource URL) and publishes the public keys as a
 * JWKS. Keys come from mounted PKCS#8 PEM files (the tenant vault's `engine-signing-*.pem`
 * secrets): the newest file signs, every file is published, so a rotation is "add the new key,
 * wait for JWKS caches (engines refetch on an unknown kid), remove the old one". Without mounted
 * keys (npm start, tests) an in-memory key is generated per process.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importPKCS8,
  SignJWT,
  type JWK,
  type CryptoKey,
} from 'jose';

export const ENGINE_TOKEN_TTL_SECONDS = 120;
const MAX_TTL_SECONDS = 300;

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface EngineTokenSubject {
  /** The user's id in this tenant (`sub`). */
  readonly id: string;
  readonly email: string;
  readonly roles: readonly string[];
  readonly groups: readonly string[];
}

export class EngineTokenMint {
  private constructor(
    readonly issuer: string,
    private readonly tenant: string,
    private readonly keys: readonly SigningKey[],
  ) {}

  /** Keys from `dir/engine-signing-*.pem` (sorted by name; the last one signs). */
  static async fromDirectory(issuer: string, tenant: string, dir: string): Promise<EngineTokenMint> {
    const names = (await readdir(dir)).filter((n) => /^engine-signing-[\w.-]+\.pem$/.test(n)).sort();
    if (names.length === 0) throw new Error(`no engine-signing-*.pem key in ${dir}`);
    const keys: SigningKey[] = [];
    for (const name of names) {
      const privateKey = await importPKCS8(await readFile(join(dir, name), 'utf8'), 'ES256', {
        extractable: true,
      });
      keys.push(await toSigningKey(privateKey));
    }
    return new EngineTokenMint(issuer, tenant, keys);
  }

  static async ephemeral(issuer: string, tenant: string): Promise<EngineTokenMint> {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    return new EngineTokenMint(issuer, tenant, [await toSigningKey(privateKey)]);
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  /**
   * The same keys as private JWKs, newest first, for the OAuth authorization server
   * (oidc-provider signs with the first key of an algorithm), so external MCP clients get tokens
   * the engines verify with this JWKS, signed by the key the mint uses.
   */
  async privateJwks(): Promise<JWK[]> {
    const out: JWK[] = [];
    for (const k of [...this.keys].reverse())
      out.push({ ...(await exportJWK(k.privateKey)), kid: k.kid, alg: 'ES256', use: 'sig' });
    return out;
  }

  async mint(
    user: EngineTokenSubject,
    audience: string,
    ttlSeconds = ENGINE_TOKEN_TTL_SECONDS,
  ): Promise<string> {
    const key = this.keys.at(-1)!;
    const ttl = Math.min(Math.max(ttlSeconds, 10), MAX_TTL_SECONDS);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      email: user.email,
      roles: [...user.roles],
      groups: [...user.groups],
      tenant: this.tenant,
    })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setSubject(user.id)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(key.privateKey);
  }
}

async function toSigningKey(privateKey: CryptoKey): Promise<SigningKey> {
  const jwk = await exportJWK(privateKey);
  const { d: _private, ...pub } = jwk;
  const kid = await calculateJwkThumbprint(pub);
  return { kid, privateKey, publicJwk: { ...pub, kid, alg: 'ES256', use: 'sig' } };
}
