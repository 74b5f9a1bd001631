import { VariableProblems } from './parse.js';
import { VARIABLES, type NamesIn, type ValueOf, type VariableGroup } from './variables.js';

export type Env = Record<string, string | undefined>;

/** One or more configuration problems; the CLI prints them and exits 2 before any request. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'E_CONFIG';
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `configuration has ${problems.length} problems:\n  - ${problems.join('\n  - ')}`);
  }
}

export type Values<G extends VariableGroup> = { [N in NamesIn<G>]: ValueOf<N> };

/**
 * Parses every variable of `groups` from the table, collecting every problem
 * instead of stopping at the first, so one run shows them all (in table order).
 */
export function readVariables<G extends VariableGroup>(env: Env, groups: readonly G[]): Values<G> {
  const values = new Map<string, unknown>();
  const problems = new Map<string, string[]>();
  const lookup = (name: string): unknown => {
    if (values.has(name)) return values.get(name);
    const spec = VARIABLES.find((v) => v.name === name)!;
    const given = env[name]?.trim();
    const textOf = given ? given : spec.default;
    let value: unknown;
    if (textOf === undefined) {
      problems.set(name, [`${name} is not set: ${spec.required}`]);
    } else {
      try {
        value = spec.parse(textOf, lookup);
      } catch (err) {
        const each = err instanceof VariableProblems ? err.each : [(err as Error).message];
        problems.set(name, each.map((p) => `${name} ${p}`));
        // Variables checked against this one see its default instead, as if it were unset.
        if (given && spec.default !== undefined) value = spec.parse(spec.default, lookup);
      }
    }
    values.set(name, value);
    return value;
  };
  const names = VARIABLES.filter((v) => (groups as readonly string[]).includes(v.group)).map((v) => v.name);
  for (const name of names) lookup(name);
  const all = names.flatMap((name) => problems.get(name) ?? []);
  if (all.length) throw new ConfigError(all);
  return Object.fromEntries(names.map((name) => [name, values.get(name)])) as Values<G>;
}
