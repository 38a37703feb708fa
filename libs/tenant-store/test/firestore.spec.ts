// Firestore: no emulator can run on this machine. The contract runs against the emulator only when
// FIRESTORE_EMULATOR_HOST is set (a condition, not a skip); without it, this file checks what needs
// no server: the key layout keeps acme and acme-eu apart and a store needs its tenant.
import { describe, expect, it } from 'vitest';
import { Firestore } from '@google-cloud/firestore';
import { FirestoreTenantStore } from '../src/firestore/firestore.store.js';
import { describeStoreContract } from './contract.js';

const emulator = process.env.FIRESTORE_EMULATOR_HOST;
const run = `t${Date.now().toString(36)}`;

if (emulator) {
  const client = new Firestore({ projectId: `cw-test-${run}`, ignoreUndefinedProperties: true });
  describeStoreContract(`firestore (emulator at ${emulator})`, {
    open: (tenant, clock) => new FirestoreTenantStore({ tenant, client, clock }),
    cleanup: () => client.terminate(),
  });
} else {
  describe('firestore without FIRESTORE_EMULATOR_HOST: contract not run here (untested against a server)', () => {
    // Building references needs no connection; nothing here talks to Google.
    const client = new Firestore({ projectId: 'cw-offline', ignoreUndefinedProperties: true });

    it('puts every tenant document under "<slug>_" collections, so acme never reaches acme-eu', () => {
      const acme = new FirestoreTenantStore({ tenant: 'acme', client }).layout;
      const eu = new FirestoreTenantStore({ tenant: 'acme-eu', client, collectionPrefix: 'acme-eu_' }).layout;
      const a = acme.items('notes', 'p').path;
      const b = eu.items('notes', 'p').path;
      expect(a.split('/')[0]).toBe('acme_notes');
      expect(b.split('/')[0]).toBe('acme-eu_notes');
      expect(b.startsWith('acme_')).toBe(false);
      expect(a).toMatch(/^acme_notes\/[0-9a-f]{64}\/items$/);
    });

    it('refuses a store without a tenant or with another tenant prefix', () => {
      expect(() => new FirestoreTenantStore({ tenant: '', client })).toThrow(/tenant/);
      expect(
        () => new FirestoreTenantStore({ tenant: 'acme', client, collectionPrefix: 'acme-eu_' }),
      ).toThrow(/config.collectionPrefix/);
    });
  });
}
