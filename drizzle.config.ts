import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` turns src/store/schema.ts into SQL migrations in drizzle/.
// The same folder serves PGlite and real Postgres (src/store/migrate.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './drizzle',
  strict: true,
});
