export * from './types.js';
export { openStore, runMigrations, type OpenStoreOptions } from './open.js';
export { StoreError, redactDatabaseUrl } from './errors.js';
export { defaultMigrationsFolder, MIGRATION_LOCK_KEY } from './migrate.js';
