// The apps' bundle builds (apps/<app>/scripts/build.mjs) write beside dist and swap it in whole, so
// processes starting from dist meanwhile (tests run the bundles while other test files rebuild
// them) never see it half-written or without its assets.
import { renameSync, rmSync } from 'node:fs';

/** A fresh, empty staging folder beside `dist` for this build. */
export function stagingFor(dist) {
  const stage = `${dist}.${process.pid}.tmp`;
  rmSync(stage, { recursive: true, force: true });
  return stage;
}

/**
 * Two renames, so dist is missing only between them (microseconds), never half-written. Another
 * build may swap at the same moment: its rename wins, ours moves it aside and tries again.
 */
export function swapIn(stage, dist) {
  const old = `${dist}.${process.pid}.old`;
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(dist, old);
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
    try {
      renameSync(stage, dist);
      break;
    } catch (error) {
      if (!['ENOTEMPTY', 'EEXIST'].includes(error.code) || attempt >= 5) throw error;
      rmSync(old, { recursive: true, force: true });
    }
  }
  rmSync(old, { recursive: true, force: true });
}
