/**
 * Envelope encryption of one credential: a fresh 256-bit data key per record encrypts the value
 * (AES-256-GCM, random 96-bit nonce); the master key wraps the data key (AES-256-GCM, its own
 * nonce). The value's AAD binds tenant, scope, plugin and name, and the data key's AAD binds the
 * tenant and master key id, so a record copied to another tenant, scope or name fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { scopeKey } from '../../credential-ref.js';
import { VaultIntegrityError } from '../../vault.errors.js';
import type { CredentialRef } from '../../vault.port.js';
import type { MasterKey, MasterKeyring } from './master-keys.js';

export interface Sealed {
  /** Master key id that wrapped the data key. */
  keyId: string;
  /** base64: nonce(12) | ciphertext(32) | tag(16) of the data key. */
  wrappedKey: string;
  /** base64: nonce(12) | ciphertext | tag(16) of the value. */
  ciphertext: string;
}

const NONCE = 12;
const TAG = 16;

const valueAad = (tenant: string, ref: CredentialRef): Buffer =>
  Buffer.from(JSON.stringify(['cw-vault-value/v1', tenant, scopeKey(ref.scope), ref.plugin, ref.name]));
const keyAad = (tenant: string, keyId: string): Buffer =>
  Buffer.from(JSON.stringify(['cw-vault-dek/v1', tenant, keyId]));

function seal(key: Buffer, plain: Buffer, aad: Buffer): string {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}

function open(key: Buffer, sealed: string, aad: Buffer): Buffer | undefined {
  const raw = Buffer.from(sealed, 'base64');
  if (raw.length < NONCE + TAG) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, NONCE));
    decipher.setAAD(aad);
    decipher.setAuthTag(raw.subarray(raw.length - TAG));
    return Buffer.concat([decipher.update(raw.subarray(NONCE, raw.length - TAG)), decipher.final()]);
  } catch {
    return undefined;
  }
}

function wrap(tenant: string, master: MasterKey, dataKey: Buffer): Pick<Sealed, 'keyId' | 'wrappedKey'> {
  return { keyId: master.id, wrappedKey: seal(master.key, dataKey, keyAad(tenant, master.id)) };
}

function unwrap(tenant: string, keys: MasterKeyring, sealed: Pick<Sealed, 'keyId' | 'wrappedKey'>): Buffer {
  const master = keys.find(sealed.keyId);
  if (!master)
    throw new VaultIntegrityError(`sealed with master key "${sealed.keyId}", which is not in the keyring`);
  const dataKey = open(master.key, sealed.wrappedKey, keyAad(tenant, sealed.keyId));
  if (!dataKey || dataKey.length !== 32)
    throw new VaultIntegrityError(
      'the data key did not unwrap (wrong master key, another tenant, or tampering)',
    );
  return dataKey;
}

export function sealValue(tenant: string, keys: MasterKeyring, ref: CredentialRef, value: string): Sealed {
  const dataKey = randomBytes(32);
  try {
    return {
      ...wrap(tenant, keys.current, dataKey),
      ciphertext: seal(dataKey, Buffer.from(value, 'utf8'), valueAad(tenant, ref)),
    };
  } finally {
    dataKey.fill(0);
  }
}

export function openValue(tenant: string, keys: MasterKeyring, ref: CredentialRef, sealed: Sealed): string {
  const dataKey = unwrap(tenant, keys, sealed);
  try {
    const plain = open(dataKey, sealed.ciphertext, valueAad(tenant, ref));
    if (!plain)
      throw new VaultIntegrityError(
        'the value did not authenticate (tampered, or moved to another tenant, scope or name)',
      );
    return plain.toString('utf8');
  } finally {
    dataKey.fill(0);
  }
}

/** Re-wraps the data key under the current master key; the value's ciphertext is untouched. */
export function rewrap(tenant: string, keys: MasterKeyring, sealed: Sealed): Sealed {
  if (sealed.keyId === keys.current.id) return sealed;
  const dataKey = unwrap(tenant, keys, sealed);
  try {
    return { ...sealed, ...wrap(tenant, keys.current, dataKey) };
  } finally {
    dataKey.fill(0);
  }
}
