/**
 * Engine process entry: CW_CONFIG_FILE (or the first argument) → validated config → engine.
 * A bad config stops the process with the field's path; SIGTERM closes both ports cleanly.
 * CW_ONBOARDING_CORRELATION_ID + CW_ONBOARDING_SINCE (set by whoever starts the tenant; npm
 * start's local data plane does) turn on the onboarding stage first_tool_call; spans are log lines.
 */
import { createLogger, useLogTracing } from '@cw/observability';
import { EngineConfigError } from '@cw/tenant-model';
import { loadEngineConfig } from './config.loader.js';
import { startEngine } from './engine.app.js';
import { onboardingFromEnv } from './first-tool-call.js';

const log = createLogger({ name: 'mcp-engine' });
useLogTracing(log); // spans (onboarding stage first_tool_call) as log lines
const onboarding = onboardingFromEnv(process.env);
if (onboarding.problem) log.warn(`onboarding stage first_tool_call not recorded: ${onboarding.problem}`);
const file = process.env.CW_CONFIG_FILE ?? process.argv[2];
if (!file) {
  log.fatal('CW_CONFIG_FILE: is not set (path of the engine config file)');
  process.exit(2);
}

try {
  const config = loadEngineConfig(file);
  const engine = await startEngine(config, {
    configFile: file,
    logger: log,
    ...(onboarding.context && { onboarding: onboarding.context }),
  });
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
