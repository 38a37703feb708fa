/**
 * Engine process entry: CW_CONFIG_FILE (or the first argument) → validated config → engine.
 * A bad config stops the process with the field's path; SIGTERM closes both ports cleanly.
 */
import { createLogger } from '@cw/observability';
import { EngineConfigError } from '@cw/tenant-model';
import { loadEngineConfig } from './config.loader.js';
import { startEngine } from './engine.app.js';

const log = createLogger({ name: 'mcp-engine' });
const file = process.env.CW_CONFIG_FILE ?? process.argv[2];
if (!file) {
  log.fatal('CW_CONFIG_FILE: is not set (path of the engine config file)');
  process.exit(2);
}

try {
  const config = loadEngineConfig(file);
  const engine = await startEngine(config, { configFile: file, logger: log });
  log.info({ mcp: engine.mcpUrl, dashboard: engine.dashboardUrl }, 'engine listening');
  const stop = () => {
    void engine.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  if (error instanceof EngineConfigError) {
    log.fatal({ issues: error.issues }, error.message);
    process.exit(2);
  }
  log.fatal({ err: error }, 'engine failed to start');
  process.exit(1);
}
