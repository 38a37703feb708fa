/**
 * cerebro's mounted config file, watched after boot: a valid change of only the engines' switches
 * and plugins (CEREBRO_ENGINE_HOT_FIELDS — what the customer admin sets where the plugins are
 * chosen) is applied to the running config at once, in place, so every request after it sees it
 * (the tools page's notices, My Credentials' plugins, knowledge principals). Any other change is
 * logged as needing a restart (the chart rolls the pods for those); an invalid or unreadable file
 * is logged by path and ignored, the running config stays.
 */
import { unwatchFile, watchFile, type StatsListener } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { CEREBRO_ENGINE_HOT_FIELDS, cerebroRestartConfig, type CerebroConfig } from '@cw/tenant-model';
import { readCerebroConfigFile } from './cerebro.config.js';

export type ConfigWatchOutcome =
  | { kind: 'unchanged' }
  | { kind: 'applied'; engines: string[] }
  | { kind: 'needs-restart'; fields: string[] }
  | { kind: 'invalid'; message: string };

export class CerebroConfigWatcher {
  /** The file as last read (before boot-time merges such as bootstrapManagersFile). */
  private file: CerebroConfig;
  private readonly listener: StatsListener;

  constructor(
    private readonly path: string,
    /** The running config: its engines' hot fields are updated in place. */
    private readonly running: CerebroConfig,
    private readonly onOutcome: (o: ConfigWatchOutcome) => void,
    options: {
      /** The file as boot read it (loadCerebroEnv's fileConfig); default: read it now. */
      fileConfig?: CerebroConfig;
      intervalMs?: number;
    } = {},
  ) {
    this.file = options.fileConfig ?? readCerebroConfigFile(path);
    this.intervalMs = options.intervalMs ?? 1_000;
    this.listener = () => void this.onOutcome(this.check());
  }

  private readonly intervalMs: number;

  start(): void {
    watchFile(this.path, { interval: this.intervalMs, persistent: false }, this.listener);
  }

  stop(): void {
    unwatchFile(this.path, this.listener);
  }

  /** Re-reads the file now (what the poller calls on a change). */
  check(): ConfigWatchOutcome {
    let next: CerebroConfig;
    try {
      next = readCerebroConfigFile(this.path);
    } catch (error) {
      return { kind: 'invalid', message: error instanceof Error ? error.message : 'unreadable' };
    }
    if (isDeepStrictEqual(next, this.file)) return { kind: 'unchanged' };
    if (!isDeepStrictEqual(cerebroRestartConfig(next), cerebroRestartConfig(this.file))) {
      const before = cerebroRestartConfig(this.file) as Record<string, unknown>;
      const after = cerebroRestartConfig(next) as Record<string, unknown>;
      const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
        (k) => !isDeepStrictEqual(before[k], after[k]),
      );
      return { kind: 'needs-restart', fields };
    }
    const changed: string[] = [];
    next.engines.forEach((engine, i) => {
      const live = this.running.engines[i]!;
      if (CEREBRO_ENGINE_HOT_FIELDS.some((k) => !isDeepStrictEqual(live[k], engine[k]))) {
        changed.push(engine.name);
        Object.assign(live, Object.fromEntries(CEREBRO_ENGINE_HOT_FIELDS.map((k) => [k, engine[k]])));
      }
    });
    this.file = next;
    return changed.length ? { kind: 'applied', engines: changed } : { kind: 'unchanged' };
  }
}
