/**
 * A test hook: `PROVISIONER_CRASH_AT=<step>:<point>[,<step>:<point>…]` kills the worker with
 * SIGKILL when it reaches one of those points, so the crash tests can prove that a restarted
 * worker finishes the run without duplicates. With `PROVISIONER_CRASH_ONCE_FILE=<file>` each
 * point kills only once (the file remembers which did), so one restarted worker after another
 * walks through every point. Points: `before`, `after-run`, `after-record`, `after-enqueue`, and
 * the steps' own checkpoints (`synthesized`, `applied`, `written`, `sending`, `sent`…).
 * Unset (always, outside tests) it does nothing.
 */
import { appendFileSync, readFileSync } from 'node:fs';

export type CrashHook = (point: string) => void;

export const noCrash: CrashHook = () => undefined;

export function crashHookFromEnv(env: NodeJS.ProcessEnv = process.env): CrashHook {
  const targets = new Set(
    (env.PROVISIONER_CRASH_AT ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  );
  if (targets.size === 0) return noCrash;
  const onceFile = env.PROVISIONER_CRASH_ONCE_FILE;
  const done = (): Set<string> => {
    if (!onceFile) return new Set();
    try {
      return new Set(readFileSync(onceFile, 'utf8').split('\n').filter(Boolean));
    } catch {
      return new Set();
    }
  };
  return (point) => {
    if (!targets.has(point) || done().has(point)) return;
    if (onceFile) appendFileSync(onceFile, `${point}\n`);
    process.stderr.write(`PROVISIONER_CRASH_AT: killing the worker at ${point} (pid ${process.pid})\n`);
    process.kill(process.pid, 'SIGKILL');
  };
}
