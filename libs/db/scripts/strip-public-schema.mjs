// drizzle-kit writes foreign keys as REFERENCES "public"."table"; our tables live in whatever
// schema search_path selects (tests use one schema per file), so the qualifier must go.
// Run after `drizzle-kit generate` (the package's `generate` script does).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../migrations', import.meta.url));
for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql'))) {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  const fixed = text.replaceAll('"public".', '');
  if (fixed !== text) {
    writeFileSync(path, fixed);
    console.log(`stripped "public". from ${file}`);
  }
}
