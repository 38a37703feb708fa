/**
 * The control plane process: `node --import tsx apps/control-plane/src/main.ts`.
 * Embedded defaults: PGlite in .data/pglite, mail to the dev outbox (.data/outbox, links
 * printed), billing off unless STRIPE_SECRET_KEY is set, Redis from REDIS_URL, port 3000.
 */
import { createLogger, useLogTracing } from '@cw/observability';
import { describeConfig, loadConfigOrExit } from './config/config.js';
import { createControlPlaneApp } from './app.factory.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = createLogger({ name: 'control-plane', level: config.logLevel });
  useLogTracing(logger); // spans (onboarding stages) as log lines
  const started = Date.now();
  const { app } = await createControlPlaneApp(config, { logger });
  await app.listen(config.port, config.host);
  logger.info(
    { ...describeConfig(config), startupMs: Date.now() - started },
    `control plane listening on ${config.publicUrl}`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `control plane failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
