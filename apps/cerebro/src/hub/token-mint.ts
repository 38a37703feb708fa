/**
 * Cerebro is the authorization server of its engines: it mints short-lived ES256 JWTs for one
 * user and one engine (`aud` = the engine's MCP resource URL) and publishes the public keys as a
 * JWKS. Keys come from mounted PKCS#8 PEM files (the tenant vault's `engine-signing-*.pem`
 * secrets): the newest file signs, every file is published. `reload()` (polled by `watch`) picks
 * up a rotation without a restart: a new key is published at once and signs after a grace period
 * (the engines' JWKS caches), a removed key stays published until its tokens have expired.
 * Without mounted keys (npm start, tests) an in-memory key is generated per process.
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
import { JWKS_MAX_AGE_SECONDS, KEY_GRACE_SECONDS, MAX_ENGINE_TOKEN_LIFETIME_SECONDS } from '@cw/tenant-model';

export const ENGINE_TOKEN_TTL_SECONDS = 120;
// The rotation's timing contract (@cw/tenant-model signing-keys.ts): the JWKS max-age, the grace
// before a new key signs, the longest token. The control plane's retire guard is derived from them.
const MAX_TTL_SECONDS = MAX_ENGINE_TOKEN_LIFETIME_SECONDS;
export { JWKS_MAX_AGE_SECONDS, KEY_GRACE_SECONDS };
/**
 * A key that stopped signing stays published this long: the longest token it signed (300 s), plus
 * the OAuth server's re-key delay (at most one poll interval, 30 s by default) and skew.
 */
export const KEY_RETAIN_SECONDS = MAX_TTL_SECONDS + 90;
const KEY_FILE = /^engine-signing-[\w.-]+\.pem$/;

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** The file it came from (sort order = age); undefined for an in-memory key. */
  readonly name?: string;
  /** When it may start signing (ms since epoch). */
  readonly usableFrom: number;
  /** Still in the directory. */
  present: boolean;
  /** When it stopped being the signing key (ms); published until then + KEY_RETAIN_SECONDS. */
  retiredAt?: number;
}

export interface EngineTokenSubject {
  /** The user's id in this tenant (`sub`). */
  readonly id: string;
  readonly email: string;
  readonly roles: readonly string[];
  readonly groups: readonly string[];
}

export interface MintOptions {
  /** Milliseconds since epoch (tests move it). */
  readonly now?: () => number;
  readonly graceSeconds?: number;
  readonly retainSeconds?: number;
}

export class EngineTokenMint {
  private keys: SigningKey[];
  private signer: SigningKey;
  private readonly listeners: Array<() => void | Promise<void>> = [];
  private readonly now: () => number;
  private readonly graceMs: number;
  private readonly retainMs: number;
  private lastPublished = '';

  private constructor(
    readonly issuer: string,
    private readonly tenant: string,
    keys: SigningKey[],
    private readonly dir: string | undefined,
    options: MintOptions,
  ) {
    this.keys = keys;
    this.signer = keys.at(-1)!;
    this.now = options.now ?? Date.now;
    this.graceMs = (options.graceSeconds ?? KEY_GRACE_SECONDS) * 1000;
    this.retainMs = (options.retainSeconds ?? KEY_RETAIN_SECONDS) * 1000;
    this.lastPublished = this.fingerprint();
  }

  /**
   * Keys from `dir/engine-signing-*.pem` (sorted by name; the last one signs). The keys present at
   * boot sign at once (the engines refetch their JWKS on an unknown kid); keys added later go
   * through the grace period of `reload()`.
   */
  static async fromDirectory(
    issuer: string,
    tenant: string,
    dir: string,
    options: MintOptions = {},
  ): Promise<EngineTokenMint> {
    const names = await keyFiles(dir);
    if (names.length === 0) throw new Error(`no engine-signing-*.pem key in ${dir}`);
    const keys: SigningKey[] = [];
    for (const name of names) keys.push(await loadKey(dir, name, 0));
    return new EngineTokenMint(issuer, tenant, keys, dir, options);
  }

  static async ephemeral(issuer: string, tenant: string): Promise<EngineTokenMint> {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    return new EngineTokenMint(issuer, tenant, [await toSigningKey(privateKey, undefined, 0)], undefined, {});
  }

  /**
   * Reads the key directory again (the tenant vault's rotation adds `engine-signing-<newer>.pem`
   * and later removes the old file): a new key is published at once and signs after the grace
   * period; a removed key stays published until the tokens it signed have expired. An unreadable
   * file or an empty directory changes nothing (the error is returned for the log). Listeners run
   * when the published set or the signing key changes.
   */
  async reload(): Promise<{ added: number; removed: number; error?: string }> {
    if (!this.dir) return { added: 0, removed: 0 };
    let added = 0;
    let removed = 0;
    let error: string | undefined;
    try {
      const names = await keyFiles(this.dir);
      if (names.length === 0) throw new Error(`no engine-signing-*.pem key in ${this.dir}`);
      const fresh: SigningKey[] = [];
      for (const name of names) {
        if (this.keys.some((k) => k.name === name && k.present)) continue;
        fresh.push(await loadKey(this.dir, name, this.now() + this.graceMs));
      }
      for (const k of this.keys)
        if (k.present && k.name && !names.includes(k.name)) {
          k.present = false;
          removed += 1;
        }
      for (const k of fresh)
        if (!this.keys.some((o) => o.kid === k.kid)) {
          this.keys.push(k);
          added += 1;
        } else {
          // The same key under another name (or back again): it is published already.
          const same = this.keys.find((o) => o.kid === k.kid)!;
          same.present = true;
        }
      this.keys.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
    } catch (e) {
      error = (e as Error).message;
    }
    await this.settle();
    return { added, removed, ...(error ? { error } : {}) };
  }

  /** Polls the directory every `seconds`; returns a stop function. */
  watch(seconds: number, onError: (message: string) => void): () => void {
    if (!this.dir) return () => undefined;
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      void this.reload()
        .then((r) => r.error && onError(r.error))
        .catch((e: unknown) => onError(e instanceof Error ? e.message : String(e)))
        .finally(() => (running = false));
    }, seconds * 1000);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Called after the published keys or the signing key changed (the OAuth server re-keys). */
  onChange(listener: () => void | Promise<void>): void {
    this.listeners.push(listener);
  }

  /** The kid that signs now. */
  signingKid(): string {
    this.select();
    return this.signer.kid;
  }

  jwks(): { keys: JWK[] } {
    this.select();
    return { keys: this.published().map((k) => k.publicJwk) };
  }

  /**
   * The same keys as private JWKs, the signing key first (oidc-provider signs with the first key
   * of an algorithm), so external MCP clients get tokens the engines verify with this JWKS, signed
   * by the key the mint uses.
   */
  async privateJwks(): Promise<JWK[]> {
    this.select();
    const out: JWK[] = [];
    const order = [
      this.signer,
      ...this.published()
        .filter((k) => k !== this.signer)
        .reverse(),
    ];
    for (const k of order)
      out.push({ ...(await exportJWK(k.privateKey)), kid: k.kid, alg: 'ES256', use: 'sig' });
    return out;
  }

  private published(): SigningKey[] {
    const now = this.now();
    return this.keys.filter(
      (k) =>
        k === this.signer || k.present || (k.retiredAt !== undefined && now < k.retiredAt + this.retainMs),
    );
  }

  /** The newest present key past its grace period signs (the current one if none is). */
  private select(): void {
    const now = this.now();
    const ready = this.keys.filter((k) => k.present && k.usableFrom <= now).at(-1);
    const next = ready ?? (this.signer.present ? this.signer : this.keys.filter((k) => k.present).at(-1));
    if (next && next !== this.signer) {
      this.signer.retiredAt = now;
      this.signer = next;
    }
    // Keys gone from the directory and past their retention are forgotten.
    this.keys = this.keys.filter(
      (k) =>
        k === this.signer || k.present || (k.retiredAt !== undefined && now < k.retiredAt + this.retainMs),
    );
  }

  private fingerprint(): string {
    return `${this.signer.kid}|${this.published()
      .map((k) => k.kid)
      .join(',')}`;
  }

  /** Re-selects and tells the listeners when what is published or who signs changed. */
  private async settle(): Promise<void> {
    this.select();
    const now = this.fingerprint();
    if (now === this.lastPublished) return;
    this.lastPublished = now;
    for (const l of this.listeners) await l();
  }

  async mint(
    user: EngineTokenSubject,
    audience: string,
    ttlSeconds = ENGINE_TOKEN_TTL_SECONDS,
  ): Promise<string> {
    this.select();
    const key = this.signer;
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

async function keyFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => KEY_FILE.test(n)).sort();
}

async function loadKey(dir: string, name: string, usableFrom: number): Promise<SigningKey> {
  const privateKey = await importPKCS8(await readFile(join(dir, name), 'utf8'), 'ES256', {
    extractable: true,
  });
  return toSigningKey(privateKey, name, usableFrom);
}

async function toSigningKey(
  privateKey: CryptoKey,
  name: string | undefined,
  usableFrom: number,
): Promise<SigningKey> {
  const jwk = await exportJWK(privateKey);
  const { d: _private, ...pub } = jwk;
  const kid = await calculateJwkThumbprint(pub);
  return {
    kid,
    privateKey,
    publicJwk: { ...pub, kid, alg: 'ES256', use: 'sig' },
    ...(name ? { name } : {}),
    usableFrom,
    present: true,
  };
}
