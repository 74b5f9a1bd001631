/**
 * The Secoda target port: plan actions in, typed outcomes out — the failure
 * kind derived from the API's answer, the status the adapter saw kept.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSecodaSim, type SecodaSim } from '../../tools/simulators/index.js';
import { createSecodaTarget } from '../../src/adapters/secoda-target.js';
import { failureOf } from '../../src/adapters/common.js';
import { AuthError, BadResponseError, ConflictError, ForbiddenError, HttpStatusError, NetworkError, RateLimitError, TimeoutError } from '../../src/http/errors.js';
import type { PlanAction } from '../../src/core/plan.js';
import { fastClient } from '../helpers/http-client.js';

const KEY = 'secoda-key-0123456789';
const open: SecodaSim[] = [];
async function sim(): Promise<SecodaSim> {
  const s = await startSecodaSim({ apiKey: KEY, writeLimit: null });
  open.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const action = (a: Partial<PlanAction> & Pick<PlanAction, 'type' | 'email'>): PlanAction => ({
  key: a.email.toLowerCase(), name: '', status: 'planned', ...a,
});

describe('Secoda target port', () => {
  it('reads members, invites, re-roles and deletes, with the receipts the API gave', async () => {
    const s = await sim();
    const [u] = s.seed([{ email: 'Ann@example.com', first_name: 'Ann', last_name: 'Lee', role: 'viewer' }]);
    const target = createSecodaTarget(fastClient('secoda', s.url, KEY));
    expect(target.api).toBe('secoda');
    expect(await target.listMembers()).toEqual([
      expect.objectContaining({ key: 'ann@example.com', email: 'Ann@example.com', name: 'Ann Lee', role: 'viewer', id: u!.id }),
    ]);

    const invited = await target.apply(action({ type: 'invite', email: 'new@example.com', name: 'Grace Brewster Hopper', to: 'editor' }));
    expect(invited).toMatchObject({ ok: true, receipt: { httpStatus: 201 }, member: { key: 'new@example.com', name: 'Grace Brewster Hopper', role: 'editor' } });
    expect(s.users().find((x) => x.email === 'new@example.com')).toMatchObject({ first_name: 'Grace', last_name: 'Brewster Hopper' });

    expect(await target.apply(action({ type: 'update_role', email: 'Ann@example.com', id: u!.id, from: 'viewer', to: 'admin', direction: 'up' })))
      .toMatchObject({ ok: true, receipt: { httpStatus: 200 }, member: { id: u!.id, role: 'admin' } });
    expect(await target.apply(action({ type: 'delete', email: 'Ann@example.com', id: u!.id }))).toEqual({ ok: true, receipt: { httpStatus: 204 } });
    expect(await target.apply(action({ type: 'delete', email: 'Ann@example.com', id: u!.id })))
      .toEqual({ ok: true, receipt: { httpStatus: 404, alreadyGone: true } });
  });

  it('answers a failure as a kind, never throws', async () => {
    const s = await sim();
    s.seed([{ email: 'there@example.com', role: 'viewer' }]);
    const target = createSecodaTarget(fastClient('secoda', s.url, KEY));
    expect(await target.apply(action({ type: 'invite', email: 'there@example.com', name: 'T', to: 'viewer' })))
      .toMatchObject({ ok: false, kind: 'conflict', httpStatus: expect.any(Number), attempts: 1 });
    expect(await target.apply(action({ type: 'delete', email: 'x@example.com' })))
      .toEqual({ ok: false, kind: 'internal', message: 'no Secoda id known for x@example.com', attempts: 1 });
    const refused = createSecodaTarget(fastClient('secoda', s.url, 'another-key-0123456789'));
    expect(await refused.apply(action({ type: 'invite', email: 'n@example.com', name: 'N', to: 'viewer' })))
      .toMatchObject({ ok: false, kind: 'auth', httpStatus: 401 });
  });
});

describe('failureOf', () => {
  const at = { api: 'secoda', method: 'POST', url: 'http://h/api/v1/user/' };
  it.each([
    [new AuthError('a', { ...at, status: 401 }), 'auth', 401],
    [new ForbiddenError('f', { ...at, status: 403, hint: 'check SECODA_API_KEY' }), 'refused', 403],
    [new ConflictError('c', { ...at, status: 400 }), 'conflict', 400],
    [new HttpStatusError('n', { ...at, status: 404 }), 'not_found', 404],
    [new HttpStatusError('s', { ...at, status: 409 }), 'conflict', 409],
    [new HttpStatusError('s', { ...at, status: 503, retryable: true }), 'transient', 503],
    [new HttpStatusError('r', { ...at, status: 422 }), 'rejected', 422],
    [new RateLimitError('l', at), 'transient', 429],
    [new TimeoutError('t', at), 'transient', undefined],
    [new NetworkError('e', at), 'transient', undefined],
    [new BadResponseError('b', { ...at, status: 200 }), 'bad_response', 200],
  ])('%s -> %s', (err, kind, httpStatus) => {
    const failure = failureOf(err);
    expect(failure).toMatchObject({ ok: false, kind, message: err.message, attempts: 1 });
    expect(failure.httpStatus).toBe(httpStatus);
  });

  it('keeps a refusal\'s hint, and names a programming error as itself', () => {
    expect(failureOf(new ForbiddenError('f', { ...at, status: 403, hint: 'check SECODA_API_KEY' })).hint).toBe('check SECODA_API_KEY');
    expect(failureOf(new TypeError('x is undefined'))).toEqual({ ok: false, kind: 'internal', message: 'x is undefined', attempts: 1 });
  });
});
