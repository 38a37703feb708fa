/**
 * THE contract every tenant-store adapter passes (docs/tenant-store.md, parity table). Each
 * adapter's spec calls `describeStoreContract` with a factory; the factory may share one backend
 * between calls (one PGlite per file) but must honour the tenant and the clock it is given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AlreadyExistsError,
  StoreInputError,
  VersionConflictError,
  defineCollection,
  type TenantStore,
} from '../src/index.js';

export type Clock = () => Date;
export interface ContractTarget {
  /** Opens (not yet initialised) a store of `tenant` whose notion of "now" is `clock`. */
  open(tenant: string, clock: Clock): TenantStore | Promise<TenantStore>;
  /** Called once after the suite (drop schemas, stop servers). */
  cleanup?(): Promise<void>;
}

const Person = z.object({ name: z.string().min(1), email: z.email(), tags: z.array(z.string()).default([]) });
type Person = z.output<typeof Person>;
const people = defineCollection('people', Person);
const notes = defineCollection('notes', z.object({ text: z.string() }));

const run = Math.random().toString(36).slice(2, 8);

export function describeStoreContract(adapter: string, target: ContractTarget): void {
  describe(`tenant-store contract: ${adapter}`, () => {
    let now = new Date('2030-01-01T00:00:00Z');
    const clock = () => new Date(now);
    let acme: TenantStore;
    let acmeEu: TenantStore;
    // A partition per test keeps tests independent on shared backends.
    let n = 0;
    const part = () => `p-${run}-${++n}`;

    beforeAll(async () => {
      acme = await target.open('acme', clock);
      acmeEu = await target.open('acme-eu', clock);
      await acme.init();
      await acme.init(); // idempotent
      await acmeEu.init();
    });
    afterAll(async () => {
      await acme?.dropTenantData();
      await acmeEu?.dropTenantData();
      await acme?.close();
      await acmeEu?.close();
      await target.cleanup?.();
    });

    const ann: Person = { name: 'Ann', email: 'ann@example.com', tags: ['a', 'ü', '漢'] };

    it('creates, reads and refuses a second create of the same id', async () => {
      const p = part();
      const col = acme.collection(people);
      expect(await col.get(p, 'u1')).toBeUndefined();
      const created = await col.create(p, 'u1', ann);
      expect(created).toMatchObject({ id: 'u1', partition: p, value: ann });
      expect(created.version).toEqual(expect.any(String));
      const read = await col.get(p, 'u1');
      expect(read).toEqual({ id: 'u1', partition: p, value: ann, version: created.version });
      await expect(col.create(p, 'u1', { ...ann, name: 'Other' })).rejects.toBeInstanceOf(AlreadyExistsError);
      expect((await col.get(p, 'u1'))?.value.name).toBe('Ann');
    });

    it('puts with optimistic concurrency: the stale version loses, nothing is half-written', async () => {
      const p = part();
      const col = acme.collection(people);
      const v1 = await col.put(p, 'u1', ann);
      const v2 = await col.put(p, 'u1', { ...ann, name: 'Ann B' }, { ifVersion: v1.version });
      expect(v2.version).not.toBe(v1.version);
      await expect(
        col.put(p, 'u1', { ...ann, name: 'Lost' }, { ifVersion: v1.version }),
      ).rejects.toBeInstanceOf(VersionConflictError);
      await expect(col.put(p, 'nobody', ann, { ifVersion: v1.version })).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      expect(await col.get(p, 'nobody')).toBeUndefined();
      expect(await col.get(p, 'u1')).toMatchObject({ value: { name: 'Ann B' }, version: v2.version });
      // Unconditional put is an upsert.
      const v3 = await col.put(p, 'u1', { ...ann, name: 'Ann C' });
      expect(v3.version).not.toBe(v2.version);
    });

    it('exactly one of two concurrent conditional writers wins', async () => {
      const p = part();
      const col = acme.collection(people);
      const v1 = await col.create(p, 'race', ann);
      const results = await Promise.allSettled([
        col.put(p, 'race', { ...ann, name: 'A' }, { ifVersion: v1.version }),
        col.put(p, 'race', { ...ann, name: 'B' }, { ifVersion: v1.version }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected');
      expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflictError);
      const created = await Promise.allSettled([col.create(p, 'once', ann), col.create(p, 'once', ann)]);
      expect(created.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('deletes: false when absent, conflict on a stale version, then gone', async () => {
      const p = part();
      const col = acme.collection(people);
      expect(await col.delete(p, 'u1')).toBe(false);
      const v1 = await col.create(p, 'u1', ann);
      const v2 = await col.put(p, 'u1', ann);
      await expect(col.delete(p, 'u1', { ifVersion: v1.version })).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      expect(await col.get(p, 'u1')).toBeDefined();
      expect(await col.delete(p, 'u1', { ifVersion: v2.version })).toBe(true);
      expect(await col.get(p, 'u1')).toBeUndefined();
      expect(await col.delete(p, 'u1')).toBe(false);
    });

    it('validates values and keys with errors naming the field, writing nothing', async () => {
      const p = part();
      const col = acme.collection(people);
      const bad = col.create(p, 'u1', { name: 'Ann', email: 'not-an-email' } as Person);
      await expect(bad).rejects.toBeInstanceOf(StoreInputError);
      await expect(bad).rejects.toMatchObject({ field: 'value.email' });
      expect(await col.get(p, 'u1')).toBeUndefined();
      const cases: [() => Promise<unknown>, string][] = [
        [() => col.get(p, ''), 'id'],
        [() => col.get('', 'x'), 'partition'],
        [() => col.put(p, 'a\nb', ann), 'id'],
        [() => col.put(p, 'x'.repeat(257), ann), 'id'],
        [() => col.create(p, 'x', ann, { ttlSeconds: 0 }), 'opts.ttlSeconds'],
        [() => col.query(p, { limit: 1001 }), 'opts.limit'],
        [() => col.query(p, { cursor: 'garbage' }), 'opts.cursor'],
      ];
      for (const [call, field] of cases) {
        await expect(call()).rejects.toMatchObject({ name: 'StoreInputError', field });
      }
      // 256 characters is allowed, and ids may contain '#', '/', '_' and non-ASCII.
      const long = 'x'.repeat(256);
      await col.put(p, long, ann);
      await col.put(p, 'a#b/c_d ü', ann);
      expect((await col.get(p, long))?.id).toBe(long);
      expect((await col.get(p, 'a#b/c_d ü'))?.id).toBe('a#b/c_d ü');
    });

    it('applies schema defaults on write and keeps JSON values as written', async () => {
      const p = part();
      const col = acme.collection(people);
      const item = await col.create(p, 'u1', { name: 'Ann', email: 'ann@example.com' } as Person);
      expect(item.value.tags).toEqual([]);
      expect((await col.get(p, 'u1'))?.value).toEqual({ name: 'Ann', email: 'ann@example.com', tags: [] });
    });

    it('queries one partition by id with cursors, in both orders and by id prefix', async () => {
      const p = part();
      const other = part();
      const col = acme.collection(notes);
      const ids = Array.from({ length: 25 }, (_, i) => `n${String(i).padStart(3, '0')}`);
      for (const id of [...ids].reverse()) await col.put(p, id, { text: id });
      await col.put(other, 'n000', { text: 'other partition' });
      await acme.collection(people).put(p, 'n000', ann); // another collection, same partition
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await col.query(p, { limit: 10, ...(cursor && { cursor }) });
        seen.push(...page.items.map((i) => i.id));
        cursor = page.cursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(ids);
      expect(pages).toBe(3);
      const desc = await col.query(p, { order: 'desc', limit: 5 });
      expect(desc.items.map((i) => i.id)).toEqual([...ids].reverse().slice(0, 5));
      const desc2 = await col.query(p, { order: 'desc', limit: 5, cursor: desc.cursor! });
      expect(desc2.items.map((i) => i.id)).toEqual([...ids].reverse().slice(5, 10));
      const prefixed = await col.query(p, { idPrefix: 'n01' });
      expect(prefixed.items.map((i) => i.id)).toEqual(ids.slice(10, 20));
      expect(prefixed.cursor).toBeUndefined();
      expect((await col.query(p)).items).toHaveLength(25);
      // A cursor belongs to its query: not to another partition or order.
      const first = await col.query(p, { limit: 10 });
      await expect(col.query(other, { cursor: first.cursor! })).rejects.toMatchObject({
        field: 'opts.cursor',
      });
      await expect(col.query(p, { cursor: first.cursor!, order: 'desc' })).rejects.toMatchObject({
        field: 'opts.cursor',
      });
    });

    it('expires items: never returned after the TTL, and the id can be created again', async () => {
      const p = part();
      const col = acme.collection(notes);
      const token = await col.create(p, 'token', { text: 'magic' }, { ttlSeconds: 60 });
      expect(token.expiresAt?.getTime()).toBe(now.getTime() + 60_000);
      await col.create(p, 'keeps', { text: 'no ttl' });
      await col.put(p, 'was-ttl', { text: 'x' }, { ttlSeconds: 1 });
      await col.put(p, 'was-ttl', { text: 'y' }); // a put without ttl clears the expiry
      expect((await col.get(p, 'token'))?.expiresAt?.getTime()).toBe(token.expiresAt?.getTime());
      now = new Date(now.getTime() + 61_000);
      expect(await col.get(p, 'token')).toBeUndefined();
      expect((await col.query(p)).items.map((i) => i.id).sort()).toEqual(['keeps', 'was-ttl']);
      expect(await col.delete(p, 'token')).toBe(false);
      await expect(col.put(p, 'token', { text: 'x' }, { ifVersion: token.version })).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      const again = await col.create(p, 'token', { text: 'new' }, { ttlSeconds: 60 });
      expect((await col.get(p, 'token'))?.version).toBe(again.version);
    });

    describe('isolation: acme and acme-eu (one slug prefixes the other)', () => {
      it('no read, query or delete crosses tenants', async () => {
        const p = part();
        const a = acme.collection(notes);
        const b = acmeEu.collection(notes);
        await a.put(p, 'same-id', { text: 'acme' });
        await b.put(p, 'same-id', { text: 'acme-eu' });
        await b.put(p, 'eu-only', { text: 'acme-eu' });
        expect((await a.get(p, 'same-id'))?.value.text).toBe('acme');
        expect((await b.get(p, 'same-id'))?.value.text).toBe('acme-eu');
        expect(await a.get(p, 'eu-only')).toBeUndefined();
        expect((await a.query(p)).items.map((i) => i.value.text)).toEqual(['acme']);
        expect((await a.query(p, { idPrefix: 'eu' })).items).toEqual([]);
        expect(await a.delete(p, 'eu-only')).toBe(false);
        expect(await a.delete(p, 'same-id')).toBe(true);
        expect((await b.get(p, 'same-id'))?.value.text).toBe('acme-eu');
        await expect(a.create(p, 'eu-only', { text: 'acme' })).resolves.toMatchObject({ id: 'eu-only' });
        expect((await b.get(p, 'eu-only'))?.value.text).toBe('acme-eu');
      });

      it("dropTenantData removes one tenant's data and nothing of the other", async () => {
        const p = part();
        const gone = await target.open('acme-gone', clock);
        await gone.init();
        await gone.collection(notes).put(p, 'x', { text: 'bye' });
        await acmeEu.collection(notes).put(p, 'x', { text: 'stays' });
        await gone.dropTenantData();
        await gone.init();
        expect(await gone.collection(notes).get(p, 'x')).toBeUndefined();
        expect((await acmeEu.collection(notes).get(p, 'x'))?.value.text).toBe('stays');
        await gone.dropTenantData();
        await gone.close();
      });

      it('a store cannot be opened without a tenant', async () => {
        for (const tenant of ['', 'Not A Slug', 'acme#x', undefined as unknown as string]) {
          await expect(Promise.resolve().then(() => target.open(tenant, clock))).rejects.toMatchObject({
            name: 'StoreInputError',
            field: 'tenant',
          });
        }
      });
    });
  });
}
