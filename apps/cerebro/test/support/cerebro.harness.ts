/**
 * Starts cerebro in-process on a real port with a memory store and vault and the dev outbox, and
 * gives tests a cookie-keeping client that fills in CSRF tokens like a browser submitting forms.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { parseCerebroConfig, type CerebroConfig, type CerebroConfigInput } from '@cw/tenant-model';
import { MemoryTenantStore } from '@cw/tenant-store';
import { MemoryVaultBackend } from '@cw/vault';
import { extractLinks, OutboxMailer, readOutbox, type OutboxMessage } from '@cw/mail';
import { createLogger, createTestLogSink, type TestLogSink } from '@cw/observability';
import { unusedPort } from '@cw/testing/oidc';
import { ROLES, type Role } from '@cw/identity';
import { bootCerebro, listen, type BootedCerebro, type BootOptions } from '../../src/boot.js';

export interface CerebroHarness {
  url: string;
  config: CerebroConfig;
  booted: BootedCerebro;
  store: MemoryTenantStore;
  vault: MemoryVaultBackend;
  outboxDir: string;
  logs: TestLogSink;
  clock: { now: Date; advance(seconds: number): void };
  client(): TestClient;
  /** An active user with these roles (cumulative) and a signed-in client for them. */
  signedIn(email: string, role?: Role, displayName?: string): Promise<TestClient>;
  mails(filter?: { to?: string; tag?: string }): Promise<OutboxMessage[]>;
  /** The sign-in link (else the first link) in the newest mail to `to` (optionally of a tag). */
  lastLink(to: string, tag?: string): Promise<string>;
  stop(): Promise<void>;
}

export const MANAGER = 'boss@acme.test';

export async function startCerebro(
  overrides: Partial<CerebroConfigInput> = {},
  opts: Omit<BootOptions, 'store' | 'vault' | 'mailer' | 'now' | 'logger'> & { port?: number } = {},
): Promise<CerebroHarness> {
  const port = opts.port ?? (await unusedPort());
  const url = `http://127.0.0.1:${port}`;
  const outboxDir = await mkdtemp(join(tmpdir(), 'cerebro-outbox-'));
  const config = parseCerebroConfig({
    tenant: 'acme',
    displayName: 'Acme Corp',
    plan: 'team',
    seats: 25,
    hostname: 'acme.localtest.me',
    url,
    cloud: { provider: 'local', region: 'local' },
    identity: { mode: 'magic-link' },
    bootstrapManagers: [MANAGER],
    session: { insecureCookies: true },
    store: { kind: 'memory' },
    vault: { kind: 'memory' },
    mail: { transport: 'outbox', dir: outboxDir, from: 'cerebro@acme.test' },
    engines: [],
    ...overrides,
  } satisfies CerebroConfigInput);
  const clock = {
    now: new Date(),
    advance(seconds: number) {
      clock.now = new Date(clock.now.getTime() + seconds * 1000);
    },
  };
  const store = new MemoryTenantStore('acme', { clock: () => clock.now });
  const vault = new MemoryVaultBackend('acme');
  const logs = createTestLogSink();
  const booted = await bootCerebro(config, {
    ...opts,
    store,
    vault,
    mailer: new OutboxMailer({ dir: outboxDir, from: 'cerebro@acme.test', print: () => {} }),
    now: () => clock.now,
    logger: createLogger({ name: 'cerebro', level: 'info', destination: logs.destination }),
  });
  const { server } = await listen(booted.app, port, '127.0.0.1');
  const mails = (filter: { to?: string; tag?: string } = {}) => readOutbox(outboxDir, filter);
  return {
    url,
    config,
    booted,
    store,
    vault,
    outboxDir,
    logs,
    clock,
    client: () => new TestClient(url),
    async signedIn(email, role = 'viewer', displayName) {
      const s = booted.app.services;
      const userId = s.users.idOf(email);
      const roles = ROLES.slice(0, ROLES.indexOf(role) + 1);
      const name = displayName ?? email.split('@')[0] ?? email;
      await s.users.save({
        userId,
        email,
        displayName: name,
        status: 'active',
        roles,
        source: 'magic_link',
        idpGroups: [],
        createdAt: clock.now.toISOString(),
      });
      const cookie = await s.signIn.establish({
        userId,
        email,
        displayName: name,
        roles,
        idpGroups: [],
        source: 'magic_link',
      });
      const client = new TestClient(url);
      client.cookies.set('cw_session', cookie);
      await client.get('/');
      return client;
    },
    mails,
    async lastLink(to, tag) {
      const all = await mails({ to, ...(tag ? { tag } : {}) });
      const last = all.at(-1);
      if (!last) throw new Error(`no mail to that address${tag ? ` with tag ${tag}` : ''}`);
      const links = extractLinks(last.text);
      const link = links.find((l) => l.includes('token=')) ?? links[0];
      if (!link) throw new Error('the mail has no link');
      return link;
    },
    async stop() {
      await closeServer(server);
      await booted.close();
      await rm(outboxDir, { recursive: true, force: true });
    },
  };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface TestResponse {
  status: number;
  location: string | null;
  text: string;
}

/** A cookie jar + forms: `post` reads the CSRF token from the last page it fetched (or `from`). */
export class TestClient {
  readonly cookies = new Map<string, string>();
  private csrf = '';

  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (!value || /Max-Age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<TestResponse> {
    const res = await fetch(new URL(path, this.base), {
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), ...headers },
    });
    this.keep(res);
    const text = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, location: res.headers.get('location'), text };
  }

  /** Submits a form like a browser: the CSRF token of the last page unless `csrf: false`. */
  async post(
    path: string,
    form: Record<string, string> = {},
    opts: { csrf?: boolean | string } = {},
  ): Promise<TestResponse> {
    const body = new URLSearchParams(form);
    if (opts.csrf !== false) body.set('_csrf', typeof opts.csrf === 'string' ? opts.csrf : this.csrf);
    const res = await fetch(new URL(path, this.base), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    this.keep(res);
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  }

  /** Magic-link sign-in for an active account: ask, take the mail's link, confirm. */
  async signInByEmail(h: CerebroHarness, email: string): Promise<void> {
    await this.get('/sign-in');
    const asked = await this.post('/sign-in/email', { email });
    if (asked.status !== 200) throw new Error(`sign-in request answered ${asked.status}`);
    await this.useLink(await h.lastLink(email));
  }

  async useLink(link: string): Promise<TestResponse> {
    const url = new URL(link);
    await this.get(`${url.pathname}${url.search}`);
    return this.post('/sign-in/link', { token: url.searchParams.get('token') ?? '' });
  }
}
