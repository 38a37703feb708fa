/** Writes infra/k8s/operator/ from the install chart (checked in; a test fails when it is stale). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { operatorInstallFiles } from './operator-install.chart.js';

export const INSTALL_DIR = fileURLToPath(new URL('../../../../infra/k8s/operator/', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(INSTALL_DIR, { recursive: true });
  const files = operatorInstallFiles();
  for (const stale of readdirSync(INSTALL_DIR).filter((f) => f.endsWith('.yaml') && !(f in files)))
    rmSync(join(INSTALL_DIR, stale));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(INSTALL_DIR, name), text);
  process.stdout.write(`wrote ${Object.keys(files).join(', ')} to ${INSTALL_DIR}\n`);
}
