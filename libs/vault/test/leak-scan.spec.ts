/**
 * A credential value must never appear outside `reveal()`: not in errors (message, stack, JSON,
 * inspect), audit rows, resolver events (what metrics read), list answers, console output or the
 * local backend's stored rows. Drives every path — set, rotate, list, resolve, conflict, outage,
 * bad input carrying the value — and scans everything observable.
 */
import { inspect } from 'node:util';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryTenantStore } from '@cw/tenant-store';
import {
  CredentialResolver,
  LocalVaultBackend,
  ManageCredentialsUseCase,
  parseMasterKeys,
  VAULT_COLLECTION,
  type VaultActor,
  type VaultBackend,
} from '../src/index.js';

// Upper case and '/': not a valid credential name, so using it as one is bad input (scanned too).
const SECRET = `GHP/${randomBytes(18).toString('hex').toUpperCase()}`;
const observed: string[] = [];
const see = (x: unknown) => {
  observed.push(
    typeof x === 'string' ? x : `${JSON.stringify(x)}\n${inspect(x, { depth: 8, showHidden: true })}`,
  );
  if (x instanceof Error) observed.push(String(x.stack), String(x.message));
};

let consoleSpies: ReturnType<typeof vi.spyOn>[] = [];
beforeEach(() => {
  consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => args.forEach(see)),
  );
});
afterEach(() => consoleSpies.forEach((s) => s.mockRestore()));

describe('leak scan', () => {
  it('no path shows the value anywhere but reveal()', async () => {
    const store = new MemoryTenantStore('acme');
    const local = new LocalVaultBackend(store, parseMasterKeys(randomBytes(32).toString('base64')));
    let down = false;
    const backend: VaultBackend = new Proxy(local, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          if (down)
            throw Object.assign(new Error(`connection reset while sending ${String(args[1])}`), {
              code: 'ECONNRESET',
            });
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const resolver = new CredentialResolver(backend, { onResolve: see });
    const manage = new ManageCredentialsUseCase(backend, { audit: see, resolvers: [resolver] });
    const ada: VaultActor = { userId: 'ada', groups: ['eng', 'ops'], adminOf: ['eng', 'ops'] };
    const user = { plugin: 'github', name: 'token', scope: { level: 'user' as const, userId: 'ada' } };

    see(await manage.set(ada, user, SECRET));
    see(await manage.rotate(ada, user, `${SECRET}-2`));
    see(await manage.list(ada));
    const r = await resolver.resolve({ userId: 'ada', groups: ['eng'], plugin: 'github', name: 'token' });
    see(r);
    expect(r.found && r.reveal()).toBe(`${SECRET}-2`);
    // conflict between two groups
    await manage.set(ada, { ...user, name: 'other', scope: { level: 'group', groupId: 'eng' } }, SECRET);
    await manage.set(ada, { ...user, name: 'other', scope: { level: 'group', groupId: 'ops' } }, SECRET);
    see(
      await resolver
        .resolve({ userId: 'bob', groups: ['eng', 'ops'], plugin: 'github', name: 'other' })
        .catch((e: unknown) => e),
    );
    // bad input that carries the value in other fields
    see(await manage.set(ada, { ...user, name: SECRET }, SECRET).catch((e: unknown) => e));
    see(await manage.set(ada, user, `${SECRET}${'x'.repeat(20_000)}`).catch((e: unknown) => e));
    see(
      await resolver
        .resolve({ userId: 'ada', groups: [], plugin: 'github', name: SECRET })
        .catch((e: unknown) => e),
    );
    // outage during a write (the error text of the "driver" quotes its argument) and a read
    down = true;
    see(await manage.set(ada, user, SECRET).catch((e: unknown) => e));
    resolver.invalidate();
    see(
      await resolver
        .resolve({ userId: 'ada', groups: [], plugin: 'github', name: 'token' })
        .catch((e: unknown) => e),
    );
    down = false;
    // what is stored
    see((await store.collection(VAULT_COLLECTION).query('credentials')).items);

    expect(observed.length).toBeGreaterThan(15);
    const leaks = observed.filter((o) => o.includes(SECRET.slice(4)));
    expect(leaks).toEqual([]);
  });
});
