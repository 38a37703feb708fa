/**
 * Cerebro's configuration: the config file the operator mounts (CW_CONFIG_FILE, schema in
 * @cw/tenant-model) plus a few process variables. A bad file stops the process naming the field
 * path; secrets are read only from mounted files, and their contents never appear in an error.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { EnvProblems } from '@cw/observability';
import { CerebroConfigError, parseCerebroConfig, type CerebroConfig } from '@cw/tenant-model';

export interface CerebroProcessEnv {
  config: CerebroConfig;
  /** The file as written, before boot-time merges (bootstrapManagersFile): what the watcher compares with. */
  fileConfig: CerebroConfig;
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
  const fileConfig = config;
  if (config?.bootstrapManagersFile)
    config = withManagersFile(config, config.bootstrapManagersFile, problems);
  if (config && env.CW_TENANT && env.CW_TENANT !== config.tenant)
    problems.add('CW_TENANT', `is "${env.CW_TENANT}" but the config file is for tenant "${config.tenant}"`);
  problems.throwIfAny((all) => new ConfigLoadError(all.map((p) => `${p.variable}: ${p.message}`).join('\n')));
  return {
    config: config!,
    fileConfig: fileConfig!,
    configFile: configFile!,
    port,
    host: env.CW_HOST ?? '0.0.0.0',
    ...(env.CW_SECRETS_DIR ? { secretsDir: env.CW_SECRETS_DIR } : {}),
    ...(env.LOG_LEVEL ? { logLevel: env.LOG_LEVEL } : {}),
  };
}

/** A config file that cannot be used: `where` is the variable or the file, `detail` never a value. */
export class ConfigFileProblem extends Error {
  constructor(
    readonly where: string,
    readonly detail: string,
  ) {
    super(`${where}: ${detail}`);
    this.name = 'ConfigFileProblem';
  }
}

/** The config file as written (no merges): at boot and whenever the watcher rereads it. */
export function readCerebroConfigFile(configFile: string): CerebroConfig {
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (error) {
    throw new ConfigFileProblem(
      'CW_CONFIG_FILE',
      `cannot read ${configFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigFileProblem('CW_CONFIG_FILE', `${configFile} is not valid JSON`);
  }
  try {
    return parseCerebroConfig(json);
  } catch (error) {
    if (!(error instanceof CerebroConfigError)) throw error;
    throw new ConfigFileProblem(configFile, error.issues.join('; '));
  }
}

function readConfigFile(configFile: string, problems: EnvProblems): CerebroConfig | undefined {
  try {
    return readCerebroConfigFile(configFile);
  } catch (error) {
    if (!(error instanceof ConfigFileProblem)) throw error;
    problems.add(error.where, error.detail);
    return undefined;
  }
}

/** At most this many first managers, as the config's own bootstrapManagers list. */
const MAX_FIRST_MANAGERS = 20;
const emailSchema = z.email().max(254);

/**
 * Merges the mounted first-managers file (the vault secret `cerebro-first-managers`: one e-mail
 * per line, blank lines ignored) into bootstrapManagers, lower-cased and trimmed. A bad line is
 * reported by file and line number only: the file holds personal data, so no line is echoed.
 */
function withManagersFile(
  config: CerebroConfig,
  file: string,
  problems: EnvProblems,
): CerebroConfig | undefined {
  const field = 'bootstrapManagersFile';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.add(field, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  const managers = new Set(config.bootstrapManagers.map((m) => m.trim().toLowerCase()));
  const bad: number[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim().toLowerCase();
    if (!line) return;
    if (emailSchema.safeParse(line).success) managers.add(line);
    else bad.push(index + 1);
  });
  if (bad.length) {
    problems.add(field, `${file} line ${bad.join(', ')}: not an e-mail address`);
    return undefined;
  }
  if (managers.size > MAX_FIRST_MANAGERS) {
    problems.add(
      field,
      `${file} together with bootstrapManagers names more than ${MAX_FIRST_MANAGERS} managers`,
    );
    return undefined;
  }
  return { ...config, bootstrapManagers: [...managers] };
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
