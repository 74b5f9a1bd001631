/** SYNC_NAMES end to end: names follow the org's, compared whitespace-collapsed; off by default. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.org.seed([
    { email: 'root@acme.com', name: 'Root Admin', roles: ['admin'] },
    { email: 'mary@acme.com', name: 'Mary  Ann Smith', roles: ['analyst'] },
    { email: 'wed@acme.com', name: 'Jane Doe-Smith', roles: ['analyst'] },
    { email: 'blank@acme.com', name: '', roles: ['analyst'] },
    { email: 'prot@acme.com', name: 'Someone Else', roles: ['analyst'] },
  ]);
  h.secoda.seed([
    { email: 'root@acme.com', role: 'admin', first_name: 'Root', last_name: 'Admin' },
    { email: 'mary@acme.com', role: 'viewer', first_name: 'Mary Ann', last_name: 'Smith' },
    { email: 'wed@acme.com', role: 'viewer', first_name: 'Jane', last_name: 'Doe' },
    { email: 'blank@acme.com', role: 'viewer', first_name: 'Kept', last_name: 'Name' },
    { email: 'prot@acme.com', role: 'viewer', first_name: 'Prot', last_name: 'Ected' },
  ]);
});
afterEach(async () => {
  await h.close();
});

describe('SYNC_NAMES', () => {
  it('off by default: names are never written', async () => {
    const r = await h.run(['reconcile']);
    expect(r.code, r.stderr).toBe(0);
    expect(h.writes()).toEqual([]);
  });

  it('renames only real changes (not a different split, not to an empty name, not protected users); dry run = apply; a second run plans nothing', async () => {
    const env = { SYNC_NAMES: 'true', PROTECTED_EMAILS: 'prot@acme.com' };
    const dry = await h.run(['reconcile', '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    const lines = (r: any) => r.actions.map((a: any) => [a.type, a.email, a.fromName, a.name]);
    expect(lines(dry.json())).toEqual([['update_name', 'wed@acme.com', 'Jane Doe', 'Jane Doe-Smith']]);
    expect(dry.json().summary.update_name).toBe(1);
    expect(h.writes()).toEqual([]);

    const r = await h.run(['reconcile', '--format', 'table'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/update_name\s+wed@acme\.com\s+Jane Doe-Smith\s+name "Jane Doe" -> "Jane Doe-Smith"\s+succeeded/);
    expect(r.stdout).toMatch(/rename 1, group writes 0/);
    expect(h.secoda.byEmail('wed@acme.com')).toMatchObject({ first_name: 'Jane', last_name: 'Doe-Smith' });
    const patch = h.secoda.requests.find((q) => q.method === 'PATCH')!;
    expect(patch.path).toBe(`/api/v1/user/${h.secoda.byEmail('wed@acme.com')!.id}/`);

    h.secoda.resetLog();
    const again = await h.run(['reconcile'], env);
    expect(again.json().actions).toEqual([]);
    expect(h.writes()).toEqual([]);
  });
});
