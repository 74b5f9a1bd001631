/**
 * The CLI process runs WebAssembly with V8's baseline compiler only
 * (Liftoff), never tiering hot functions up to TurboFan. The only WASM it
 * loads is the embedded database (PGlite: Postgres compiled to WASM), and
 * for what a run asks of it TurboFan costs more than it gives. Opening the
 * database and one 100k-user run tier up ~220 Postgres functions: ~3 s of
 * compiler CPU on background threads (on a 2-core machine, against the
 * run's own thread) and ~60 MB of compiler memory that the C allocator's
 * per-thread arenas keep for the rest of the process — a sixth of the
 * 400 MB peak-RSS budget of a 100k × 100k run (bench `pull`). Liftoff code
 * runs those queries about as fast; what it makes slower is bulk writing
 * (100k rows in ~1.5× the time: a first run's snapshots), which rate
 * limits outlast anyway.
 *
 * Set before anything compiles WASM (PGlite is imported when the store is
 * opened, on a thread of its own: V8's flags are the process's, every
 * thread's); tests that run main() in process keep V8's defaults.
 */
import { setFlagsFromString } from 'node:v8';

export function baselineWasmOnly(): void {
  setFlagsFromString('--liftoff-only');
}
