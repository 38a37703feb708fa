/**
 * The onboarding bench's stand-in for a person's first governed tool call on a freshly started
 * local tenant (tools/dev/src/data-plane/onboarding-run.ts): what the newcomer does through
 * cerebro in the README's steps 6–8, done directly and quickly, so the bench measures the
 * platform and not clicks. It sets an org-level Stripe key in the tenant's vault (as the admin
 * would in My Credentials), mints an engine token with the tenant's own signing key (the one
 * cerebro signs with and publishes in its JWKS), and calls `payments.balance` through the
 * engine's gate over MCP; the payments plugin reaches the local Stripe stand-in. The engine then
 * records onboarding stage first_tool_call itself; the bench reads it back from its /metrics.
 * Never used by `npm start`.
 */
import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SignJWT, type JWK } from 'jose';
import { ONBOARDING_STAGE_METRIC } from '@cw/observability';
import { openTenantStore } from '@cw/tenant-store';
import { openVault } from '@cw/vault';
import type { StoreAdapterConfig, VaultAdapterConfig } from '@cw/tenant-model';
import type { LocalPorts } from './localize.js';

interface EngineConfigFile {
  tenant: string;
  auth: { issuer: string; resource: string };
  store: StoreAdapterConfig;
  vault: VaultAdapterConfig;
}

export interface BenchToolCall {
  /** .data/data-plane/<slug> of the tenant (the runner's folder). */
  readonly dir: string;
  readonly ports: LocalPorts;
  /** The Stripe stand-in's API key. */
  readonly stripeKey: string;
  readonly engine?: string;
}

/** Sets the org's Stripe key, then calls payments.balance through the gate. Throws unless it succeeds. */
export async function benchToolCall(t: BenchToolCall): Promise<void> {
  const engine = t.engine ?? 'main';
  const config = JSON.parse(
    await readFile(join(t.dir, `engine-${engine}`, 'config.json'), 'utf8'),
  ) as EngineConfigFile;
  const store = await openTenantStore(config.store, { tenant: config.tenant });
  try {
    const vault = await openVault(config.vault, { tenant: config.tenant, store });
    await vault.put(
      { plugin: 'payments', name: 'api_key', scope: { level: 'org' } },
      t.stripeKey,
      'onboarding-bench',
    );
  } finally {
    await store.close();
  }
  const token = await mintEngineToken(t, config);
  const mcp = t.ports.engines[engine]?.mcp;
  if (!mcp) throw new Error(`no engine ${engine}`);
  const client = new Client({ name: 'onboarding-bench', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${mcp}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  try {
    const result = await client.callTool({ name: 'payments.balance', arguments: {} });
    if (result.isError) {
      const text = (result.content as Array<{ text?: string }> | undefined)?.[0]?.text ?? '';
      throw new Error(`payments.balance failed: ${text.slice(0, 200)}`);
    }
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** An engine token as cerebro mints it, signed with the tenant's newest mounted key, its kid from cerebro's JWKS. */
async function mintEngineToken(t: BenchToolCall, config: EngineConfigFile): Promise<string> {
  const secrets = join(t.dir, 'secrets');
  const pem = await readFile(join(secrets, 'engine-signing-1.pem'), 'utf8');
  const publicJwk = createPublicKey(pem).export({ format: 'jwk' });
  const jwks = (await (
    await fetch(`http://127.0.0.1:${t.ports.cerebro}/.well-known/jwks.json`, {
      signal: AbortSignal.timeout(10_000),
    })
  ).json()) as { keys: JWK[] };
  const kid = jwks.keys.find((k) => k.x === publicJwk.x && k.y === publicJwk.y)?.kid;
  if (!kid) throw new Error("cerebro does not publish the tenant's engine-signing-1 key");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    email: 'bench@onboarding.test',
    roles: ['developer'],
    groups: [],
    tenant: config.tenant,
  })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer(config.auth.issuer)
    .setSubject('onboarding-bench')
    .setAudience(config.auth.resource)
    .setIssuedAt(now)
    .setNotBefore(now - 5)
    .setExpirationTime(now + 120)
    .setJti(randomUUID())
    .sign(createPrivateKey(pem));
}

/** The engine's own first_tool_call observation (seconds), from its dashboard's /metrics. */
export async function engineFirstToolCallSeconds(
  ports: LocalPorts,
  engine = 'main',
): Promise<number | undefined> {
  const dashboard = ports.engines[engine]?.dashboard;
  if (!dashboard) return undefined;
  const text = await (await fetch(`http://127.0.0.1:${dashboard}/metrics`)).text();
  const series = (suffix: string) =>
    new RegExp(
      `^${ONBOARDING_STAGE_METRIC}_${suffix}\\{[^}]*stage="first_tool_call"[^}]*\\} (\\S+)$`,
      'm',
    ).exec(text)?.[1];
  return series('count') === '1' ? Number(series('sum')) : undefined;
}
