/**
 * The cerebro process: `node --import tsx apps/cerebro/src/main.ts` (or the bundle in the image).
 * CW_CONFIG_FILE = the mounted config.json; CW_PORT (5080); CW_SECRETS_DIR = mounted secrets.
 */
import { createLogger } from '@cw/observability';
import { loadCerebroEnv } from './config/cerebro.config.js';
import { CerebroConfigWatcher } from './config/config-watcher.js';
import { bootCerebro, listen } from './boot.js';

async function main(): Promise<void> {
  const env = loadCerebroEnv(process.env);
  const logger = createLogger({ name: 'cerebro', ...(env.logLevel ? { level: env.logLevel } : {}) });
  const started = Date.now();
  const booted = await bootCerebro(env.config, {
    logger,
    ...(env.secretsDir ? { secretsDir: env.secretsDir } : {}),
  });
  const { server, url } = await listen(booted.app, env.port, env.host);
  logger.info(
    {
      tenant: env.config.tenant,
      store: env.config.store.kind,
      identity: env.config.identity.mode,
      startupMs: Date.now() - started,
    },
    `cerebro listening on ${url}`,
  );
  // The engines' switches and plugins apply from the mounted file without a restart.
  const watcher = new CerebroConfigWatcher(
    env.configFile,
    env.config,
    (o) => {
      if (o.kind === 'applied')
        logger.info({ engines: o.engines }, "config: the engines' switches or plugins changed; applied");
      else if (o.kind === 'needs-restart')
        logger.warn({ fields: o.fields }, 'config: changed in fields that need a restart; not applied');
      else if (o.kind === 'invalid') logger.warn({ problem: o.message }, 'config: invalid file ignored');
    },
    { fileConfig: env.fileConfig },
  );
  watcher.start();
  const stop = () => {
    watcher.stop();
    server.close(() => {
      booted.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `cerebro failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
