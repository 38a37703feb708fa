/**
 * Cerebro's configuration: the config file the operator mounts (CW_CONFIG_FILE, schema in
 * @cw/tenant-model) plus a few process variables. A bad file stops the process naming the field
 * path; secrets are read only from mounted files, and their contents never appear in an error.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { EnvProblems } from '@cw/observability';
import { CerebroConfigError, parseCerebroConfig, type CerebroConfig } from '@cw/tenant-model';

export interface CerebroProcessEnv {
  config: CerebroConfig;
  configFile: string;
  port: number;
  host: string;
  secretsDir?: string;
  logLevel?: string;
}

export class ConfigLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigLoadError';
  }
}

export function loadCerebroEnv(env: NodeJS.ProcessEnv): CerebroProcessEnv {
  // Every bad variable at once (the process variables are checked even when the file is bad).
  const problems = new EnvProblems();
  const port = Number(env.CW_PORT ?? 5080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.add('CW_PORT', 'must be a port number');
  const configFile = env.CW_CONFIG_FILE;
  let config: CerebroConfig | undefined;
  if (!configFile) problems.add('CW_CONFIG_FILE', 'is required (path of the mounted config.json)');
  else config = readConfigFile(configFile, problems);
  if (config && env.CW_TENANT && env.CW_TENANT !== config.tenant)
    problems.add('CW_TENANT', `is "${env.CW_TENANT}" but the config file is for tenant "${config.tenant}"`);
  problems.throwIfAny((all) => new ConfigLoadError(all.map((p) => `${p.variable}: ${p.message}`).join('\n')));
  return {
    config: config!,
    configFile: configFile!,
    port,
    host: env.CW_HOST ?? '0.0.0.0',
    ...(env.CW_SECRETS_DIR ? { secretsDir: env.CW_SECRETS_DIR } : {}),
    ...(env.LOG_LEVEL ? { logLevel: env.LOG_LEVEL } : {}),
  };
}

function readConfigFile(configFile: string, problems: EnvProblems): CerebroConfig | undefined {
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (error) {
    problems.add(
      'CW_CONFIG_FILE',
      `cannot read ${configFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    problems.add('CW_CONFIG_FILE', `${configFile} is not valid JSON`);
    return undefined;
  }
  try {
    return parseCerebroConfig(json);
  } catch (error) {
    if (!(error instanceof CerebroConfigError)) throw error;
    problems.add(configFile, error.issues.join('; '));
    return undefined;
  }
}

/** Reads a mounted secret; `field` names the config field in errors (never the content). */
export function readSecretFile(path: string, field: string, secretsDir = process.env.CW_SECRETS_DIR): string {
  const full = isAbsolute(path) || !secretsDir ? path : join(secretsDir, path);
  let value: string;
  try {
    value = readFileSync(full, 'utf8').trim();
  } catch (error) {
    throw new ConfigLoadError(
      `${field}: cannot read the secret file ${full} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (!value) throw new ConfigLoadError(`${field}: the secret file ${full} is empty`);
  return value;
}
