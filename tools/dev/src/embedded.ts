/**
 * `npm start` on embedded defaults: the control plane and the provisioner in ONE process sharing
 * one PGlite database. PGlite is an in-process database: two processes opening the same
 * directory would each see their own copy, so the pipeline would never see the tenants the
 * control plane creates. With DATABASE_URL set, start.ts runs them as separate processes instead.
 */
import { createControlPlaneApp, describeConfig, loadConfigOrExit } from '@cw/control-plane-app';
import { openDatabase } from '@cw/db';
import { createLogger } from '@cw/observability';
import { bootstrapProvisioner } from '@cw/provisioner';

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = createLogger({ name: 'control-plane', level: config.logLevel });
  const db = await openDatabase({
    url: config.database.url,
    schema: config.database.schema,
    dataDir: config.database.pgliteDir,
  });
  const { app } = await createControlPlaneApp(config, { logger, db });
  await app.listen(config.port, config.host);
  logger.info(describeConfig(config), `control plane listening on ${config.publicUrl}`);
  const provisioner = await bootstrapProvisioner({
    db,
    log: createLogger({ name: 'provisioner', level: config.logLevel }),
  });
  const stop = async () => {
    await provisioner.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(
    `npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
