/**
 * The journey's view of @cw/testing/processes: a process is started from its entry file, under
 * the journey's own name for it, and resolved once `ready` matches its output. Output is kept for
 * failure messages (E2E_DEBUG or PROCESS_ECHO copies it to stderr); stop() sends SIGTERM and
 * escalates to SIGKILL.
 */
import {
  ENTRIES,
  startProcess as start,
  waitForOutput,
  type PlatformProcess as Supervised,
  type ProcessName,
} from '@cw/testing/processes';

export { eventually, freePort } from '@cw/testing/processes';

export type PlatformProcess = Supervised<string>;

/** Starts `entry` (one of ENTRIES) with PATH and HOME overlaid with `env`; resolves once `ready` matches its output, rejects when it exits first. */
export async function startProcess(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 90_000,
): Promise<PlatformProcess> {
  const processName = (Object.keys(ENTRIES) as ProcessName[]).find((k) => ENTRIES[k] === entry);
  if (!processName) throw new Error(`${name}: ${entry} is not one of ${Object.values(ENTRIES).join(', ')}`);
  const proc: PlatformProcess = { ...start(processName, env), name };
  await waitForOutput(proc, ready, timeoutMs);
  return proc;
}
