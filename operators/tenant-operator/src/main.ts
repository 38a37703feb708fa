/**
 * Entry point (`npm run operator`): configuration from the environment, then the operator until
 * SIGTERM/SIGINT, on which it releases its lease so a standby replica takes over at once.
 */
import { createLogger } from '@cw/observability';
import { ConfigError, parseOperatorConfig } from './config.js';
import { TenantOperator } from './operator.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseOperatorConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tenant-operator: invalid configuration: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const log = createLogger({ name: 'tenant-operator', level: config.logLevel });
  const operator = new TenantOperator({ config, log });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    operator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: String(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await operator.start();
  log.info({ port: operator.httpPort }, 'tenant-operator started');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `tenant-operator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
