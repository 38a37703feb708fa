/**
 * What the app benches (agent, engine, cerebro) share, in one place: a free loopback port, the
 * bench tenant's cerebro config, a signed-in cerebro client (cookies + CSRF, signed in by the
 * magic link from cerebro's dev outbox, as a person would), and the engine with one no-op tool.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { extractLinks, readOutbox } from '@cw/mail';
import { definePlugin, defineTool, type LimitRule } from '@cw/mcp-gate';
import { createLogger } from '@cw/observability';
import { engineConfigSchema } from '@cw/tenant-model';
import { MemoryTenantStore } from '@cw/tenant-store';
import { MemoryVaultBackend } from '@cw/vault';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** Polls `url` until it answers 200 (cerebro's and the engine's /readyz). */
export async function waitOk(url: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer 200 in time`);
}

export interface BenchCerebroOptions {
  readonly base: string;
  readonly dir: string;
  readonly manager: string;
  readonly engines?: ReadonlyArray<{ name: string; mcpUrl: string; plugins: string[] }>;
  readonly llmBaseUrl?: string;
}

/** The bench tenant's cerebro config file (memory store and vault, outbox mail under `dir`). */
export function benchCerebroConfig(o: BenchCerebroOptions): Record<string, unknown> {
  return {
    tenant: 'bench',
    displayName: 'Bench Ltd',
    plan: 'team',
    seats: 50,
    hostname: 'bench.localtest.me',
    url: o.base,
    cloud: { provider: 'local', region: 'local' },
    identity: { mode: 'magic-link' },
    bootstrapManagers: [o.manager],
    session: { insecureCookies: true },
    store: { kind: 'memory' },
    vault: { kind: 'memory' },
    mail: { transport: 'outbox', dir: join(o.dir, 'outbox'), from: 'cerebro@bench.example' },
    engines: (o.engines ?? []).map((e) => ({ ...e, dashboardUrl: 'http://127.0.0.1:1' })),
    ...(o.llmBaseUrl ? { llm: { kind: 'openai-compatible', baseUrl: o.llmBaseUrl, model: 'scripted' } } : {}),
  };
}

/** A cerebro client that keeps cookies and the last CSRF token it saw, as a browser would. */
export class CerebroClient {
  private readonly cookies = new Map<string, string>();
  csrf = '';
  constructor(readonly base: string) {}

  cookieHeader = (): string => [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }

  async page(path: string): Promise<{ res: Response; text: string }> {
    const res = await fetch(`${this.base}${path}`, {
      headers: { cookie: this.cookieHeader() },
      redirect: 'manual',
    });
    this.keep(res);
    const text = await res.text();
    this.csrf = /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? this.csrf;
    return { res, text };
  }

  async form(path: string, body: Record<string, string>): Promise<Response> {
    const res = await fetch(`${this.base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...body, _csrf: this.csrf }),
    });
    this.keep(res);
    return res;
  }

  /** Signs `email` in by the magic link cerebro writes to its outbox; checks `/` answers 200. */
  async signIn(email: string, outboxDir: string): Promise<void> {
    await this.page('/sign-in');
    await this.form('/sign-in/email', { email });
    const [mail] = await readOutbox(outboxDir, { to: email });
    const link = extractLinks(mail?.text ?? '').find((l) => l.includes('token=')) ?? '';
    const token = new URL(link).searchParams.get('token') ?? '';
    await this.page(`/sign-in/link?token=${token}`);
    await this.form('/sign-in/link', { token });
    const home = await this.page('/');
    if (home.res.status !== 200) throw new Error(`not signed in: home answered ${home.res.status}`);
  }
}

export interface NoopEngineOptions {
  readonly port: number;
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly resource: string;
  /** Argument limits on the no-op tool (the engine bench exercises the limit check). */
  readonly limits?: readonly LimitRule[];
}

/**
 * The real engine (full gate, audit rows in a memory store) with one plugin `proxy` whose tool
 * `noop` returns at once. Loaded by path: tools never import apps statically.
 */
export async function startNoopEngine(o: NoopEngineOptions): Promise<{ mcpUrl: string }> {
  const app = join(repoRoot, 'apps/mcp-engine/src/index.ts');
  const { startEngine } = (await import(
    pathToFileURL(app).href
  )) as typeof import('../../../../apps/mcp-engine/src/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'cw-bench-engine-'));
  writeFileSync(join(dir, 'salt'), 'bench-engine-salt-0123456789');
  const noop = definePlugin({
    id: 'proxy',
    version: '0.0.0',
    title: 'bench',
    description: 'no-op',
    credentials: [],
    outboundHosts: [],
    tools: [
      defineTool({
        name: 'noop',
        title: 'no-op',
        description: 'returns at once',
        input: z.strictObject({ n: z.number().optional() }),
        classification: 'read',
        minRole: 'viewer',
        ...(o.limits ? { limits: o.limits } : {}),
        run: async () => ({ text: 'ok' }),
      }),
    ],
  });
  const config = engineConfigSchema.parse({
    tenant: 'bench',
    engine: 'bench',
    plugins: ['proxy'],
    readOnly: false,
    maintenance: false,
    auditLog: true,
    ports: { dashboard: 0, mcp: o.port },
    listenHost: '127.0.0.1',
    auth: { issuer: o.issuer, jwksUrl: o.jwksUrl, resource: o.resource },
    store: { kind: 'memory' },
    vault: { kind: 'memory' },
    saltFile: join(dir, 'salt'),
    allowedHosts: ['127.0.0.1'],
  });
  return startEngine(config, {
    store: new MemoryTenantStore('bench'),
    vault: new MemoryVaultBackend('bench'),
    catalog: [noop],
    logger: createLogger({ name: 'mcp-engine', level: 'warn' }),
  });
}
