/**
 * The provisioner process (`npm start` runs it as `node --import tsx apps/provisioner/src/main.ts`).
 * The environment is checked first, with only the configuration module loaded: a bad variable
 * prints its name and exits 1 at once. SIGTERM/SIGINT finish the active steps and exit.
 */
import { ProvisioningConfigError, preflight, provisioningConfigFromEnv } from '@cw/provisioning/config';

const fail = (error: unknown): never => {
  if (error instanceof ProvisioningConfigError)
    process.stderr.write(`provisioner: configuration error: ${error.message}\n`);
  else
    process.stderr.write(
      `provisioner: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  process.exit(1);
};

try {
  await preflight(provisioningConfigFromEnv());
  const { bootstrapProvisioner } = await import('./bootstrap.js');
  const provisioner = await bootstrapProvisioner();
  const stop = (signal: string) => {
    process.stderr.write(`provisioner: ${signal}, finishing active steps\n`);
    provisioner.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (error) {
  fail(error);
}
