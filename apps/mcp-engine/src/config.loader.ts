/**
 * The engine config file: parsed with the shared schema at boot (a bad field stops the process,
 * named by its path) and watched afterwards. A valid change of plugins, pluginConfig, readOnly,
 * maintenance or auditLog applies at once; a change of anything else is logged as needing a
 * restart; an invalid file is ignored (the running config stays) and logged with its paths.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { ENGINE_HOT_FIELDS, EngineConfigError, parseEngineConfig, type EngineConfig } from '@cw/tenant-model';

export function loadEngineConfig(path: string): EngineConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new EngineConfigError([
      `(file): cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EngineConfigError([`(file): ${path} is not valid JSON`]);
  }
  return parseEngineConfig(json);
}

export interface ConfigChange {
  next: EngineConfig;
  /** Hot fields that changed (applied). */
  applied: string[];
  /** Other fields that changed (need a restart; not applied). */
  needsRestart: string[];
}

export function diffConfig(current: EngineConfig, next: EngineConfig): Omit<ConfigChange, 'next'> {
  const keys = new Set([...Object.keys(current), ...Object.keys(next)]) as Set<keyof EngineConfig>;
  const changed = [...keys].filter((k) => !isDeepStrictEqual(current[k], next[k]));
  const hot = new Set<string>(ENGINE_HOT_FIELDS);
  return { applied: changed.filter((k) => hot.has(k)), needsRestart: changed.filter((k) => !hot.has(k)) };
}

export class ConfigWatcher {
  private current: EngineConfig;
  private readonly listener = () => this.check();

  constructor(
    private readonly path: string,
    initial: EngineConfig,
    private readonly onChange: (change: ConfigChange) => void,
    private readonly onInvalid: (error: Error) => void,
    private readonly intervalMs = 1_000,
  ) {
    this.current = initial;
  }

  start(): void {
    // Polling stat, not inotify: a mounted ConfigMap changes by swapping a symlink.
    watchFile(this.path, { interval: this.intervalMs, persistent: false }, this.listener);
  }

  /** Re-reads the file now (also what the poller calls). */
  check(): void {
    let next: EngineConfig;
    try {
      next = loadEngineConfig(this.path);
    } catch (error) {
      this.onInvalid(error as Error);
      return;
    }
    const diff = diffConfig(this.current, next);
    if (diff.applied.length === 0 && diff.needsRestart.length === 0) return;
    // Keep the running values of fields that need a restart, so a later diff still reports them.
    const merged = { ...this.current } as Record<string, unknown>;
    for (const k of diff.applied) merged[k] = next[k as keyof EngineConfig];
    this.current = merged as EngineConfig;
    this.onChange({ next: this.current, ...diff });
  }

  stop(): void {
    unwatchFile(this.path, this.listener);
  }
}
