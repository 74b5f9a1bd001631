import { describe, expect, it } from 'vitest';
import { ConfigError, loadSyncConfig } from '../../src/config/load.js';

const base = { ORG_API_URL: 'https://org.example.com/v1', ORG_API_TOKEN: 'org-token-123', SECODA_API_KEY: 'sec-key-456' };

describe('GROUP_MAP and SYNC_NAMES configuration', () => {
  it('default: groups never touched, names never synced', () => {
    const c = loadSyncConfig(base);
    expect(c.groupMap).toBeNull();
    expect(c.syncNames).toBe(false);
  });

  it('GROUP_MAP may name roles ORG_ROLE_NAMES adds; SYNC_NAMES takes true/false words', () => {
    const c = loadSyncConfig({ ...base, GROUP_MAP: 'intern:Interns, developer:Engineering Team', ORG_ROLE_NAMES: 'intern', SYNC_NAMES: 'yes' });
    expect(c.groupMap).toEqual([{ from: 'intern', group: 'Interns' }, { from: 'developer', group: 'Engineering Team' }]);
    expect(c.syncNames).toBe(true);
  });

  it('bad values name their variable, every problem at once', () => {
    let err: unknown;
    try {
      loadSyncConfig({ ...base, GROUP_MAP: 'developer=Engineering', SYNC_NAMES: 'sometimes' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      'GROUP_MAP has a malformed entry "developer=Engineering"; expected orgRole:Secoda group name, e.g. "developer:Engineering"',
      'SYNC_NAMES must be true or false (got "sometimes")',
    ]);
  });
});
