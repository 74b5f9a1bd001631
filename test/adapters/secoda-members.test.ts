import { describe, expect, it } from 'vitest';
import { secodaUsersToMembers, splitName } from '../../src/adapters/secoda-members.js';
import { secoda } from '../core/fixtures.js';

describe('normalisation', () => {
  it('splits a name into first word and the rest', () => {
    expect(splitName('  Grace  Brewster Hopper ')).toEqual({ first_name: 'Grace', last_name: 'Brewster Hopper' });
    expect(splitName('Cher')).toEqual({ first_name: 'Cher', last_name: '' });
  });

  it('treats Secoda roles case-insensitively', () => {
    expect(secodaUsersToMembers([secoda('a@x.com', 'Editor')])[0]!.role).toBe('editor');
  });
});
