/**
 * Writes infra/k8s/monitoring/ from the TypeScript definitions (see manifests.ts), formatted by
 * the repository's prettier (`npm test` checks formatting; the monitoring test compares the same way).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formattedMonitoringFile } from './format.js';
import { monitoringFiles } from './manifests.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
for (const [path, content] of Object.entries(monitoringFiles())) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), await formattedMonitoringFile(join(root, path), content));
  process.stdout.write(`wrote ${path}\n`);
}
