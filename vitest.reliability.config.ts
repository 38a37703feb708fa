// `npm run test:reliability`: the long suites of tools/reliability (webhook storm, kill loops,
// API faults, fuzzing), one file at a time so they do not disturb each other's timing.
// Not part of `npm test` (their files are *.reliability.ts). Each suite is bounded (< 5 min).
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// The suites drive the real Kubernetes control plane (kube-local), started once per run.
process.env.CW_KUBE_PROJECTS = [process.env.CW_KUBE_PROJECTS, 'reliability'].filter(Boolean).join(',');

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'reliability',
          root: 'tools/reliability',
          include: ['suites/**/*.reliability.ts'],
          // Per project: vitest 5 runs a root-level global setup only for the root project.
          globalSetup: [resolve('libs/testing/src/kube/global-setup.ts')],
        },
      },
      // The newcomer's walk through `npm start` in Chromium (minutes: the apps start under tsx).
      { extends: true, test: { name: 'e2e-walk', root: 'tools/e2e', include: ['test/**/*.reliability.ts'] } },
    ],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default'],
  },
});
