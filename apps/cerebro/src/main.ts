/**
 * The cerebro process: `node --import tsx apps/cerebro/src/main.ts` (or the bundle in the image).
 * CW_CONFIG_FILE = the mounted config.json; CW_PORT (5080); CW_SECRETS_DIR = mounted secrets.
 */
import { createLogger } from '@cw/observability';
import { loadCerebroEnv } from './config/cerebro.config.js';
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
  const stop = () => {
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
