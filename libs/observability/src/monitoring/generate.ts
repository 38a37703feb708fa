/** Writes infra/k8s/monitoring/ from the TypeScript definitions (see manifests.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitoringFiles } from './manifests.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
for (const [path, content] of Object.entries(monitoringFiles())) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
  process.stdout.write(`wrote ${path}\n`);
}
