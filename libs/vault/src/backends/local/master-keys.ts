/**
 * The master keyring of the local backend, read from a file (a mounted secret or `.data/...` in
 * `npm start`). One key per line, `<key-id> <base64 of 32 bytes>`, or just the base64 (its id is
 * then derived from a hash of the key). The FIRST line is the current key: new records are wrapped
 * with it; the other lines stay readable so records wrapped earlier keep working while
 * `rewrapAll()` moves them to the current key (rotation without downtime). `#` starts a comment.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VaultInputError } from '../../vault.errors.js';

export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface MasterKeyring {
  readonly current: MasterKey;
  find(id: string): MasterKey | undefined;
  readonly ids: readonly string[];
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export const derivedKeyId = (key: Buffer): string =>
  `mk-${createHash('sha256').update('cw-vault-key-id').update(key).digest('hex').slice(0, 12)}`;

export function parseMasterKeys(text: string, source = 'master key file'): MasterKeyring {
  const keys: MasterKey[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const parts = line.split(/\s+/);
    const [id, b64] = parts.length === 1 ? [undefined, parts[0]] : parts;
    const key = Buffer.from(b64 ?? '', 'base64');
    if (parts.length > 2 || key.length !== 32 || (id !== undefined && !KEY_ID.test(id)))
      // Never quote the line: it is key material.
      throw new VaultInputError(
        `masterKeyFile`,
        `${source} line ${index + 1} is not "<key-id> <base64 of 32 bytes>" or "<base64 of 32 bytes>"`,
      );
    const keyId = id ?? derivedKeyId(key);
    if (keys.some((k) => k.id === keyId))
      throw new VaultInputError('masterKeyFile', `${source}: key id "${keyId}" appears twice`);
    keys.push({ id: keyId, key });
  });
  const current = keys[0];
  if (!current) throw new VaultInputError('masterKeyFile', `${source} holds no key`);
  const byId = new Map(keys.map((k) => [k.id, k]));
  return { current, find: (id) => byId.get(id), ids: keys.map((k) => k.id) };
}

export async function loadMasterKeys(file: string): Promise<MasterKeyring> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new VaultInputError(
      'masterKeyFile',
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return parseMasterKeys(text, file);
}

/** `npm start`: creates a 0600 key file with one fresh key when none exists yet (never overwrites). */
export async function ensureMasterKeyFile(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    await writeFile(file, `${derivedKeyId(key)} ${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
