import { describe, expect, it } from 'vitest';
import { commandHelp, COMMAND_HELP, mainHelp } from '../../src/cli/help.js';
import { VARIABLES } from '../../src/config/variables.js';
import { renderEnvExample } from './env-example.js';

describe('printed from the variables table', () => {
  it('.env.example is the table (npm run env:example rewrites it)', async () => {
    await expect(renderEnvExample()).toMatchFileSnapshot('../../.env.example');
  });

  it('--help lists every variable with its default, or says it is required', () => {
    const help = mainHelp().split('\n');
    for (const v of VARIABLES) {
      const line = help.find((l) => l.trimStart().startsWith(`${v.name} `));
      expect(line, `${v.name} missing from --help`).toBeDefined();
      if (v.default === undefined) expect(line).toContain('(required)');
      else if (v.default) expect(line).toContain(`(default ${v.default})`);
    }
  });

  it('each command\'s --help lists the variables of its groups', () => {
    for (const [command, { groups }] of Object.entries(COMMAND_HELP)) {
      const help = commandHelp(command);
      for (const v of VARIABLES) expect(help.includes(`  ${v.name} `), `${command} --help and ${v.name}`).toBe(groups.includes(v.group));
    }
  });
});
