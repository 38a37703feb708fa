/**
 * Cerebro's configuration: the config file the operator mounts (CW_CONFIG_FILE, schema in
 * @cw/tenant-model) plus a few process variables. A bad file stops the process naming the field
 * path; secrets are read only from mounted files, and their contents never appear in an error.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
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
  const configFile = env.CW_CONFIG_FILE;
  if (!configFile) throw new ConfigLoadError('CW_CONFIG_FILE: is required (path of the mounted config.json)');
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (error) {
    throw new ConfigLoadError(
      `CW_CONFIG_FILE: cannot read ${configFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigLoadError(`CW_CONFIG_FILE: ${configFile} is not valid JSON`);
  }
  let config: CerebroConfig;
  try {
    config = parseCerebroConfig(json);
  } catch (error) {
    if (error instanceof CerebroConfigError)
      throw new ConfigLoadError(`${configFile}: ${error.issues.join('; ')}`);
    throw error;
  }
  const port = Number(env.CW_PORT ?? 5080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigLoadError('CW_PORT: must be a port number');
  if (env.CW_TENANT && env.CW_TENANT !== config.tenant) {
    throw new ConfigLoadError(
      `CW_TENANT: is "${env.CW_TENANT}" but the config file is for tenant "${config.tenant}"`,
    );
  }
  return {
    config,
    configFile,
    port,
    host: env.CW_HOST ?? '0.0.0.0',
    ...(env.CW_SECRETS_DIR ? { secretsDir: env.CW_SECRETS_DIR } : {}),
    ...(env.LOG_LEVEL ? { logLevel: env.LOG_LEVEL } : {}),
  };
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
