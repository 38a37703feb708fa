/**
 * Engine-token key rotation without a restart: the mint rereads the mounted key directory; a new
 * key is published at once and signs only after the grace period (the engines' JWKS caches), the
 * old key stays published until the tokens it signed have expired, a broken directory changes
 * nothing. Then, in a running cerebro, a key added to the directory reaches both JWKS documents
 * (the engines' and oidc-provider's, which is rebuilt with it) without a restart.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineTokenMint, KEY_GRACE_SECONDS, KEY_RETAIN_SECONDS } from '../../src/hub/token-mint.js';
import { KEY_POLL_SECONDS } from '../../src/oauth/index.js';
import { startCerebro, type CerebroHarness } from '../support/cerebro.harness.js';

const AUD = 'http://127.0.0.1:9/mcp';
const person = { id: 'u_1', email: 'ann@acme.test', roles: ['viewer'], groups: [] };

async function writeKey(dir: string, name: string): Promise<void> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  await writeFile(join(dir, name), await exportPKCS8(privateKey));
}

const kids = (mint: EngineTokenMint) => mint.jwks().keys.map((k) => k.kid);

describe('engine signing keys reload', () => {
  const dirs: string[] = [];
  let h: CerebroHarness | undefined;
  afterAll(async () => {
    await h?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('publishes a new key at once, signs with it after the grace period, keeps the old one until its tokens expired', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cerebro-keys-'));
    dirs.push(dir);
    await writeKey(dir, 'engine-signing-0001.pem');
    let now = Date.parse('2026-12-07T04:00:00Z');
    const mint = await EngineTokenMint.fromDirectory('http://cerebro', 'acme', dir, { now: () => now });
    let changes = 0;
    mint.onChange(() => void (changes += 1));
    const oldKid = mint.signingKid();
    expect(kids(mint)).toEqual([oldKid]);
    expect(await mint.reload()).toEqual({ added: 0, removed: 0 });
    expect(changes).toBe(0);

    await writeKey(dir, 'engine-signing-0002.pem');
    expect(await mint.reload()).toEqual({ added: 1, removed: 0 });
    expect(changes).toBe(1);
    const newKid = kids(mint).find((k) => k !== oldKid)!;
    expect(kids(mint)).toEqual([oldKid, newKid]);
    // In the grace period the old key still signs, for the mint and for the OAuth server.
    expect(mint.signingKid()).toBe(oldKid);
    expect((await mint.privateJwks())[0]!.kid).toBe(oldKid);
    expect(decodeProtectedHeader(await mint.mint(person, AUD)).kid).toBe(oldKid);

    now += (KEY_GRACE_SECONDS - 1) * 1000;
    expect(mint.signingKid()).toBe(oldKid);
    now += 2000;
    expect(mint.signingKid()).toBe(newKid);
    expect((await mint.privateJwks())[0]!.kid).toBe(newKid);
    await mint.reload();
    expect(changes).toBe(2);
    const token = await mint.mint(person, AUD);
    expect(decodeProtectedHeader(token).kid).toBe(newKid);
    await jwtVerify(token, createLocalJWKSet(mint.jwks()), { audience: AUD, issuer: 'http://cerebro' });

    // The vault removes the old key: it stays published until the tokens it signed have expired.
    await rm(join(dir, 'engine-signing-0001.pem'));
    expect(await mint.reload()).toEqual({ added: 0, removed: 1 });
    expect(kids(mint)).toEqual([oldKid, newKid]);
    expect(mint.signingKid()).toBe(newKid);
  });

  it('keeps a removed key that signed recently, then drops it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cerebro-keys-'));
    dirs.push(dir);
    await writeKey(dir, 'engine-signing-0001.pem');
    let now = Date.parse('2026-12-07T04:00:00Z');
    const mint = await EngineTokenMint.fromDirectory('http://cerebro', 'acme', dir, { now: () => now });
    const oldKid = mint.signingKid();
    await writeKey(dir, 'engine-signing-0002.pem');
    await mint.reload();
    now += KEY_GRACE_SECONDS * 1000;
    const newKid = mint.signingKid();
    expect(newKid).not.toBe(oldKid);
    await rm(join(dir, 'engine-signing-0001.pem'));
    await mint.reload();
    expect(kids(mint)).toEqual([oldKid, newKid]);
    now += (KEY_RETAIN_SECONDS - 1) * 1000;
    await mint.reload();
    expect(kids(mint)).toContain(oldKid);
    now += 2000;
    await mint.reload();
    expect(kids(mint)).toEqual([newKid]);

    // An empty or unreadable directory changes nothing.
    await rm(join(dir, 'engine-signing-0002.pem'));
    expect((await mint.reload()).error).toMatch(/no engine-signing/);
    await writeFile(join(dir, 'engine-signing-0003.pem'), 'not a key');
    expect((await mint.reload()).error).toBeDefined();
    expect(mint.signingKid()).toBe(newKid);
    expect(decodeProtectedHeader(await mint.mint(person, AUD)).kid).toBe(newKid);
  });

  it(
    'a running cerebro publishes a key added to the mounted directory without a restart',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'cerebro-keys-'));
      dirs.push(dir);
      await writeKey(dir, 'engine-signing-0001.pem');
      h = await startCerebro({ engineTokens: { ttlSeconds: 120, signingKeysDir: dir } });
      const jwks = async (path: string) =>
        ((await (await fetch(`${h!.url}${path}`)).json()) as { keys: { kid: string }[] }).keys.map(
          (k) => k.kid,
        );
      const before = await jwks('/.well-known/jwks.json');
      expect(before).toHaveLength(1);
      expect(await jwks('/oauth/jwks')).toEqual(before);
      await writeKey(dir, 'engine-signing-0002.pem');
      await expect
        .poll(() => jwks('/.well-known/jwks.json'), {
          timeout: (KEY_POLL_SECONDS + 10) * 1000,
          interval: 1000,
        })
        .toHaveLength(2);
      await expect.poll(() => jwks('/oauth/jwks'), { timeout: 5000 }).toHaveLength(2);
      // The OAuth server still signs with the old key (grace period): it is listed first.
      expect((await jwks('/oauth/jwks'))[0]).toBe(before[0]);
    },
    (KEY_POLL_SECONDS + 60) * 1000,
  );
});
