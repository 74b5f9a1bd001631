/**
 * vitest globalSetup: compile src/ into dist/ once before the suite and bundle
 * the CLI (tools/bundle-cli.mjs), so the tests that spawn the built CLI
 * (test/daemon) run on a fresh clone without a prior `npm run build`, never
 * against a stale dist/, and against what ships.
 *
 * Emit only (--noCheck, the tsc binary without npx): the suite's setup is
 * CPU-bound, and type-checking here took two thirds of the build's time.
 * `npm run typecheck` is where type errors fail (CI runs it); if tsc reports
 * errors but dist/cli.js was written, the suite still runs (with a warning).
 * No dist/cli.js at all fails the suite.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BUILD_ARGS = ['-p', 'tsconfig.build.json', '--noCheck'];

export default async function setup(): Promise<void> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const cli = join(root, 'dist', 'cli.js');
  const started = Date.now();
  // Asynchronous: test/setup/global.ts makes the database template meanwhile.
  const failed = await new Promise<{ stdout: string; stderr: string; message: string } | null>((resolve) => {
    execFile(join(root, 'node_modules', '.bin', 'tsc'), BUILD_ARGS, { cwd: root, timeout: 180_000 }, (err, stdout, stderr) =>
      resolve(err ? { stdout, stderr, message: err.message } : null));
  });
  if (failed) {
    const output = `${failed.stdout}${failed.stderr}`.trim() || failed.message;
    const fresh = existsSync(cli) && statSync(cli).mtimeMs >= started - 1_000;
    if (!fresh) throw new Error(`build failed (tsc ${BUILD_ARGS.join(' ')}), no dist/cli.js:\n${output}`);
    console.warn(`warning: tsc ${BUILD_ARGS.join(' ')} reported errors; dist/ was emitted anyway:\n${output}`);
  }
  // Then bundled, as `npm run build` does: the tests that spawn the CLI run what ships.
  const { bundleCli } = (await import(pathToFileURL(join(root, 'tools', 'bundle-cli.mjs')).href)) as { bundleCli: () => Promise<void> };
  await bundleCli();
}
