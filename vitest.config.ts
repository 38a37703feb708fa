// One vitest run for the whole workspace: each Nx project is a vitest "project".
// Workspace packages export TypeScript sources, so no build is needed before testing.
import { defineConfig } from 'vitest/config';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const roots = ['apps', 'libs', 'libs/plugins', 'operators', 'tools'];
const projectDirs = roots.flatMap((root) =>
  existsSync(root)
    ? readdirSync(root)
        .map((name) => join(root, name))
        .filter((dir) => existsSync(join(dir, 'project.json')))
    : [],
);
// A project opts into the real Kubernetes control plane by having a test/kube folder or
// naming it in this list; the global setup starts one control plane for the whole run.
const kubeSetup = 'libs/testing/src/kube/global-setup.ts';
// Projects whose tests drive the real control plane, worker processes or a browser: on a loaded
// 2-core CI machine their waits take far longer than a unit test's.
const slowProjects = new Set([
  'e2e',
  'provisioner',
  'tenant-operator',
  'testing',
  'control-plane-app',
  'k8s-client',
]);
const projectName = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'project.json'), 'utf8')) as { name: string }).name;

export default defineConfig({
  test: {
    projects: projectDirs.map((dir) => ({
      extends: true,
      test: {
        // The Nx project name (apps/control-plane and libs/control-plane differ only by folder).
        name: projectName(dir),
        ...(slowProjects.has(projectName(dir)) ? { testTimeout: 180_000 } : {}),
        root: dir,
        include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
        // Per project: vitest 5 runs a root-level global setup only for the root project, while a
        // project's own runs when that project has tests in the run (the setup itself decides
        // whether the project needs the cluster, and shares one cluster across projects).
        globalSetup: existsSync(kubeSetup) ? [resolve(kubeSetup)] : [],
      },
    })),
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'coverage/vitest-results.json' },
  },
});
