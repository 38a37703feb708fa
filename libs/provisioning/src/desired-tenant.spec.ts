// The stack's bindings are facts and replace the stored ones — except the vault's signingKeys,
// which only the control plane's key rotation writes (ADR 0004): they must survive the stack's
// vault binding, or a rotated key would never be mounted.
import { describe, expect, it } from 'vitest';
import type { TenantBindings, TenantSpecInput } from '@cw/tenant-model';
import { mergeBindings } from './desired-tenant.js';

const stack: TenantBindings = {
  vault: { kind: 'azure-key-vault', uri: 'https://kv-acme-new.vault.azure.net/' },
  identity: { clientId: '00000000-0000-0000-0000-000000000001' },
};

describe('mergeBindings', () => {
  it("keeps the stored signingKeys on the stack's vault binding; the stack wins on everything else", () => {
    const stored: TenantSpecInput['bindings'] = {
      vault: {
        kind: 'azure-key-vault',
        uri: 'https://kv-acme-old.vault.azure.net/',
        signingKeys: ['engine-signing-0001', 'engine-signing-0002'],
      },
    };
    expect(mergeBindings(stored, stack)).toEqual({
      vault: {
        kind: 'azure-key-vault',
        uri: 'https://kv-acme-new.vault.azure.net/',
        signingKeys: ['engine-signing-0001', 'engine-signing-0002'],
      },
      identity: stack.identity,
    });
  });

  it('without stored signingKeys the stack binding is used as is; without a stack, the stored one', () => {
    expect(mergeBindings({}, stack)).toEqual(stack);
    expect(mergeBindings(undefined, undefined)).toEqual({});
    const stored = { vault: { kind: 'kubernetes' as const, uri: 'v', signingKeys: ['engine-signing-0003'] } };
    expect(mergeBindings(stored, undefined)).toEqual(stored);
  });
});
