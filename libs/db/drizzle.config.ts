// drizzle-kit generates the SQL migrations in ./migrations from src/schema.ts:
//   npx drizzle-kit generate --config libs/db/drizzle.config.ts
// Tables have no schema name, so the SQL works in whatever schema search_path selects.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './libs/db/src/schema.ts',
  out: './libs/db/migrations',
});
