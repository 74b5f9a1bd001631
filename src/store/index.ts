export * from './types.js';
export { openStore, runMigrations, DEFAULT_DATA_DIR, type OpenStoreOptions } from './open.js';
export { StoreError, redactDatabaseUrl } from './errors.js';
export { defaultMigrationsFolder, MIGRATION_LOCK_KEY } from './migrate.js';
