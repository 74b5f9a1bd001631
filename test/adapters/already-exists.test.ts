/**
 * "Already exists" detection (issue 7, item 15): only positive wording
 * resolves an invite as already done; "does not exist" and its kin are
 * plain failures.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSecodaSim, type SecodaSim } from '../../tools/simulators/index.js';
import { ConflictError, HttpStatusError } from '../../src/http/errors.js';
import { createSecodaAdapter } from '../../src/adapters/secoda.js';
import { saysAlreadyExists, textSaysAlreadyExists } from '../../src/adapters/common.js';
import type { HttpResponse } from '../../src/http/client.js';
import { fastClient } from '../helpers/http-client.js';

const KEY = 'secoda-key-exists-0123';

describe('textSaysAlreadyExists', () => {
  const positive = [
    '{"email":["user with this email already exists."]}',
    'User already exists',
    'A user with that email exists',
    'Email is already registered',
    'already a member of this workspace',
    'Duplicate email',
    'duplicated key value violates unique constraint',
    'Email address in use',
    'This email is taken',
    'Could not create user: already exists',
    '{"detail": "Invalid role.", "email": ["This email is already in use."]}',
  ];
  const negative = [
    'User does not exist',
    "User doesn't exist",
    'user does not exist.',
    '{"detail":"Not found."}',
    'Team not found',
    'No user with this email exists',
    'This email is not taken',
    'Email not in use',
    'Role does not exist; teams required',
    'There is no duplicate',
    'The user is not already a member',
    'Enter a valid email address.',
    '',
  ];
  for (const text of positive) it(`says so: ${JSON.stringify(text)}`, () => expect(textSaysAlreadyExists(text)).toBe(true));
  for (const text of negative) it(`does not: ${JSON.stringify(text)}`, () => expect(textSaysAlreadyExists(text)).toBe(false));

  it('by status: a 409 unless it denies; a 400 only when it says so; never another status', () => {
    const res = (status: number, body: unknown) => ({ status, body }) as HttpResponse;
    expect(saysAlreadyExists(res(409, undefined))).toBe(true);
    expect(saysAlreadyExists(res(409, { detail: 'conflict' }))).toBe(true);
    expect(saysAlreadyExists(res(409, { detail: 'User does not exist' }))).toBe(false);
    expect(saysAlreadyExists(res(400, { email: ['user with this email already exists.'] }))).toBe(true);
    expect(saysAlreadyExists(res(400, { detail: 'User does not exist' }))).toBe(false);
    expect(saysAlreadyExists(res(404, { detail: 'already exists' }))).toBe(false);
  });
});

describe('secoda invite answered 400 "User does not exist"', () => {
  let sim: SecodaSim | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });
  const invite = (s: SecodaSim) =>
    createSecodaAdapter(fastClient('secoda', s.url, KEY)).invite({ email: 'new@example.com', first_name: 'N', last_name: 'P', role: 'viewer' });

  it('after a lost answer: a failure carrying the server\'s words, not resolved from the list', async () => {
    sim = await startSecodaSim({ apiKey: KEY, writeLimit: null });
    sim.fault({ kind: 'lose-response', method: 'POST', path: '/api/v1/user' });
    sim.fault({ kind: 'status', status: 400, method: 'POST', path: '/api/v1/user', body: '{"detail": "User does not exist"}' });
    const err = await invite(sim).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect(err).not.toBeInstanceOf(ConflictError);
    expect((err as Error).message).toMatch(/400 Bad Request: \{"detail":"User does not exist"\}$/);
    // Never went looking for the user in the list (that is what resolving does).
    expect(sim.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
  });

  it('on a first attempt: not reported as "already exists"', async () => {
    sim = await startSecodaSim({ apiKey: KEY, writeLimit: null });
    sim.fault({ kind: 'status', status: 400, method: 'POST', path: '/api/v1/user', body: '{"detail": "Team does not exist"}' });
    const err = await invite(sim).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect((err as Error).message).not.toContain('already exists');
    expect((err as Error).message).toContain('Team does not exist');
  });
});
