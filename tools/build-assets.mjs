// After `tsc -p tsconfig.tools.json`: the tools build runs the product's
// modules from build/src/, and src/store/migrate.ts finds its migrations two
// levels above itself (build/drizzle). Give it a fresh copy of drizzle/.
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'build', 'drizzle'), { recursive: true, force: true });
cpSync(join(root, 'drizzle'), join(root, 'build', 'drizzle'), { recursive: true });
