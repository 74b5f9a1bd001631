/**
 * .env.example as printed from the variables table: `npm run env:example`
 * rewrites the file, and the test fails while the file and the table differ.
 */
import { VARIABLES } from '../../src/config/variables.js';

const HEADER = `# secoda-user-sync configuration. Copy to .env and fill in the required values.
# Real environment variables win over this file. Every variable is validated at
# start: a bad value names itself and the tool exits 2 before sending a request.
# Generated from src/config/variables.ts by \`npm run env:example\`: edit the table, not this file.`;

const WIDTH = 100;

function comment(text: string): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > WIDTH && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

export function renderEnvExample(): string {
  const out = [HEADER];
  let section = '';
  for (const v of VARIABLES) {
    if (v.section !== section) {
      section = v.section;
      out.push('', `# --- ${section} `.padEnd(78, '-'));
    }
    const marks = [v.default === undefined ? 'required' : '', v.secret ? 'secret' : ''].filter(Boolean);
    out.push(...comment(marks.length ? `${v.description} (${marks.join(', ')})` : v.description));
    out.push(`${v.name}=${v.default ?? v.example ?? ''}`);
  }
  return `${out.join('\n')}\n`;
}
