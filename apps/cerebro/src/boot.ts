/**
 * Opens what cerebro needs from its config (tenant store, vault, mailer, metrics) and builds the
 * app. main.ts and the tests that boot cerebro from a rendered config both come through here.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMailer, type MailConfig, type Mailer } from '@cw/mail';
import { createLogger, createRegistry, type Logger } from '@cw/observability';
import { openTenantStore, type TenantStore } from '@cw/tenant-store';
import { openVault, type VaultBackend } from '@cw/vault';
import type { CerebroConfig } from '@cw/tenant-model';
import type { CerebroDeps } from './deps.js';
import { createCerebroApp, type CerebroApp } from './app.factory.js';
import { readSecretFile } from './config/cerebro.config.js';

export interface BootOptions {
  secretsDir?: string;
  logger?: Logger;
  /** Tests pass their own (e.g. a MemoryTenantStore shared with assertions). */
  store?: TenantStore;
  vault?: VaultBackend;
  mailer?: Mailer;
  now?: () => Date;
  idpFetch?: typeof fetch;
  pluginManifests?: CerebroDeps['pluginManifests'];
}

export interface BootedCerebro {
  app: CerebroApp;
  deps: CerebroDeps;
  close(): Promise<void>;
}

export function mailConfigOf(config: CerebroConfig, secretsDir?: string): MailConfig {
  const m = config.mail;
  switch (m.transport) {
    case 'outbox':
      return { transport: 'outbox', from: m.from, outboxDir: m.dir, printLinks: false };
    case 'smtp':
      return {
        transport: 'smtp',
        from: m.from,
        smtpUrl: readSecretFile(m.urlFile, 'mail.urlFile', secretsDir),
      };
    case 'acs':
      return { transport: 'acs', from: m.from, endpoint: m.endpoint };
  }
}

export async function bootCerebro(config: CerebroConfig, opts: BootOptions = {}): Promise<BootedCerebro> {
  const logger = opts.logger ?? createLogger({ name: 'cerebro' });
  const secretsDir = opts.secretsDir;
  const store =
    opts.store ??
    (await openTenantStore(config.store, { tenant: config.tenant, ...(secretsDir ? { secretsDir } : {}) }));
  await store.init();
  const vault =
    opts.vault ??
    (await openVault(config.vault, {
      tenant: config.tenant,
      store,
      ...(secretsDir ? { secretsDir } : {}),
    }));
  const mailer = opts.mailer ?? (await createMailer(mailConfigOf(config, secretsDir)));
  const sessionKey = config.sessionKeyFile
    ? Buffer.from(readSecretFile(config.sessionKeyFile, 'sessionKeyFile', secretsDir))
    : randomBytes(32);
  const deps: CerebroDeps = {
    config,
    store,
    vault,
    mailer,
    logger,
    metrics: createRegistry('cerebro'),
    sessionKey,
    now: opts.now ?? (() => new Date()),
    ...(opts.idpFetch ? { idpFetch: opts.idpFetch } : {}),
    ...(opts.pluginManifests ? { pluginManifests: opts.pluginManifests } : {}),
  };
  const app = await createCerebroApp(deps);
  return {
    app,
    deps,
    async close() {
      await app.close();
      if (!opts.mailer) await mailer.close();
      if (!opts.store) await store.close();
    },
  };
}

/** Listens and resolves with the bound URL (port 0 → a free port). */
export async function listen(
  app: CerebroApp,
  port: number,
  host: string,
): Promise<{ server: Server; url: string }> {
  const server = createServer(app.express);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}` };
}
