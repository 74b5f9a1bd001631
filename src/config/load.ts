import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import type { RoleMap } from '../core/roles.js';
import { KNOWN_ORG_ROLES } from '../adapters/org-roles.js';
import { DEFAULT_ROLE_MAP, parseRoleMap, SECODA_ROLES, type SecodaRole } from '../adapters/secoda-roles.js';
import {
  parseApiBaseUrl, parseDuration, parseIntAtMost, parseNonNegativeInt, parsePercent, parsePositiveInt, parseRate, type Rate,
} from './parse.js';
import { VARIABLES } from './variables.js';
import type { OrgRolesFrom } from '../adapters/org.js';

const ORG_ROLES_FROM = ['auto', 'list', 'user'] as const satisfies readonly OrgRolesFrom[];

export type Env = Record<string, string | undefined>;

/** One or more configuration problems; the CLI prints them and exits 2 before any request. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'E_CONFIG';
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `configuration has ${problems.length} problems:\n  - ${problems.join('\n  - ')}`);
  }
}

export interface StoreConfig {
  databaseUrl?: string;
  dataDir: string;
  logLevel: string;
}

export interface SyncConfig extends StoreConfig {
  org: { url: string; token: string; rate: Rate; rolesFrom: OrgRolesFrom };
  secoda: { url: string; apiKey: string; readRate: Rate; writeRate: Rate };
  roleMap: RoleMap;
  defaultRole: SecodaRole | null;
  protectedEmails: string[];
  maxDeletes: number;
  maxDeletePercent: number;
  maxDemotions: number;
  maxDemotionPercent: number;
  /** Org roles ROLE_MAP may name: the documented ones plus ORG_ROLE_NAMES. */
  orgRoleNames: string[];
  /** SECODA_KEY_OWNER: the API key's owner, never deleted or re-roled. */
  secodaKeyOwner?: string;
  maxConcurrency: number;
  retryLimit: number;
  httpTimeoutMs: number;
}

/**
 * The environment as the tool sees it: `.env` in the working directory when
 * present, with real environment variables winning.
 */
export function readEnv(processEnv: Env = process.env, cwd = process.cwd()): Env {
  const file = resolve(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...processEnv };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Collects every problem instead of stopping at the first, so one run shows them all. */
export class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    if (value !== undefined && value.trim() !== '') return value.trim();
    return VARIABLES.find((v) => v.name === name)?.default || undefined;
  }

  required(name: string, hint: string): string {
    const value = this.raw(name);
    if (value === undefined) this.problems.push(`${name} is not set: ${hint}`);
    return value ?? '';
  }

  parse<T>(name: string, parser: (text: string) => T, fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    try {
      return parser(value);
    } catch (err) {
      this.problems.push(`${name} ${(err as Error).message}`);
      return fallback;
    }
  }
}

function readStore(r: Reader): StoreConfig {
  const databaseUrl = r.parse('DATABASE_URL', (text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error('must be a postgres://user:password@host:5432/database URL');
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new Error(`must start with postgres:// or postgresql:// (got ${url.protocol}//)`);
    }
    return text;
  }, undefined as string | undefined);
  const logLevel = r.parse('LOG_LEVEL', (text) => {
    const level = text.toLowerCase();
    if (!LOG_LEVELS.includes(level)) throw new Error(`must be one of ${LOG_LEVELS.join(', ')} (got "${text}")`);
    return level;
  }, 'info');
  return { ...(databaseUrl ? { databaseUrl } : {}), dataDir: r.raw('DATA_DIR') ?? './.data', logLevel };
}

export function loadStoreConfig(env: Env): StoreConfig {
  const r = new Reader(env);
  const config = readStore(r);
  if (r.problems.length) throw new ConfigError(r.problems);
  return config;
}

export function loadSyncConfig(env: Env): SyncConfig {
  const r = new Reader(env);
  const store = readStore(r);
  const orgUrl = r.required('ORG_API_URL', 'set it to the org-user-management API base, e.g. https://org.example.com/v1');
  const orgToken = r.required('ORG_API_TOKEN', 'set it to the org API bearer token');
  const apiKey = r.required('SECODA_API_KEY', 'create an API key in Secoda (Settings > API) and set it');
  const orgRoleNames = r.parse('ORG_ROLE_NAMES', parseOrgRoleNames, [...KNOWN_ORG_ROLES]);
  const keyOwner = r.parse('SECODA_KEY_OWNER', (text) => {
    if (/[,\s]/.test(text) || !/^[^@]+@[^@]+$/.test(text)) {
      throw new Error(`must be one email, that of the Secoda user who created SECODA_API_KEY (got "${text}")`);
    }
    return text;
  }, undefined as string | undefined);
  const config: SyncConfig = {
    ...store,
    org: {
      url: orgUrl ? r.parse('ORG_API_URL', parseApiBaseUrl, '') : '',
      token: orgToken,
      rate: r.parse('ORG_RATE', parseRate, { limit: 10, windowMs: 1_000 }),
      rolesFrom: r.parse('ORG_ROLES_FROM', (text) => {
        const value = text.toLowerCase();
        if (!(ORG_ROLES_FROM as readonly string[]).includes(value)) throw new Error(`must be one of ${ORG_ROLES_FROM.join(', ')} (got "${text}")`);
        return value as OrgRolesFrom;
      }, 'auto' as OrgRolesFrom),
    },
    secoda: {
      url: r.parse('SECODA_API_URL', parseApiBaseUrl, 'https://api.secoda.co'),
      apiKey,
      readRate: r.parse('SECODA_READ_RATE', parseRate, { limit: 10, windowMs: 1_000 }),
      writeRate: r.parse('SECODA_WRITE_RATE', parseRate, { limit: 30, windowMs: 60_000 }),
    },
    roleMap: r.parse('ROLE_MAP', (text) => checkOrgRoles(parseRoleMap(text), orgRoleNames), parseRoleMap(DEFAULT_ROLE_MAP)),
    defaultRole: r.parse('DEFAULT_ROLE', (text) => {
      const role = text.toLowerCase();
      if (role === 'none') return null;
      if (role === 'admin') {
        throw new Error('must not be admin: every member whose org roles map to nothing (a new role, a typo, an empty role list) would become a Secoda admin; use viewer, editor or none');
      }
      if (!(SECODA_ROLES as readonly string[]).includes(role)) {
        throw new Error(`must be one of editor, viewer or none (got "${text}")`);
      }
      return role as SecodaRole;
    }, 'viewer' as SecodaRole | null),
    protectedEmails: (r.raw('PROTECTED_EMAILS') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    maxDeletes: r.parse('MAX_DELETES', parseNonNegativeInt, 25),
    maxDeletePercent: r.parse('MAX_DELETE_PERCENT', parsePercent, 20),
    maxDemotions: r.parse('MAX_DEMOTIONS', parseNonNegativeInt, 25),
    maxDemotionPercent: r.parse('MAX_DEMOTION_PERCENT', parsePercent, 20),
    orgRoleNames,
    ...(keyOwner ? { secodaKeyOwner: keyOwner } : {}),
    maxConcurrency: r.parse('MAX_CONCURRENCY', parsePositiveInt, 4),
    retryLimit: r.parse('RETRY_LIMIT', parseIntAtMost(MAX_RETRY_LIMIT, 'with backoff up to 10s a request would keep a run waiting for minutes'), 5),
    httpTimeoutMs: r.parse('HTTP_TIMEOUT', parseDuration, 30_000),
  };
  for (const entry of config.protectedEmails) {
    if (!entry.includes('@')) r.problems.push(`PROTECTED_EMAILS has "${entry}", which is neither an email nor an @domain suffix`);
  }
  if (r.problems.length) throw new ConfigError(r.problems);
  return config;
}

/** More retries than this turn an outage into a run that seems to hang. */
const MAX_RETRY_LIMIT = 20;

function parseOrgRoleNames(text: string): string[] {
  const extra = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bad = extra.find((name) => name.includes(':'));
  if (bad !== undefined) throw new Error(`has "${bad}": an org role name cannot contain ":" (ROLE_MAP separates with it)`);
  return [...new Set([...KNOWN_ORG_ROLES, ...extra])];
}

/** A ROLE_MAP entry naming an org role the API doesn't have (a typo) would silently map nobody. */
function checkOrgRoles(map: RoleMap, known: readonly string[]): RoleMap {
  const unknown = map.filter((p) => !known.includes(p.from));
  if (unknown.length > 0) {
    const entries = unknown.map((p) => `"${p.from}:${p.to}"`).join(', ');
    throw new Error(
      `has ${unknown.length === 1 ? 'an entry' : 'entries'} ${entries} naming an org role the org API does not know ` +
        `(known: ${known.join(', ')}); fix the spelling, or list the role in ORG_ROLE_NAMES`,
    );
  }
  return map;
}

/**
 * Every secret the environment holds (the variables marked `secret`; of
 * DATABASE_URL, its password), whichever command reads it: output is scrubbed
 * of them as a last line of defence, e.g. `report` re-printing an API's error.
 */
export function secretsOfEnv(env: Env): string[] {
  const secrets: string[] = [];
  for (const spec of VARIABLES) {
    const value = env[spec.name]?.trim();
    if (!spec.secret || !value) continue;
    if (spec.name !== 'DATABASE_URL') {
      secrets.push(value);
      continue;
    }
    try {
      const password = decodeURIComponent(new URL(value).password);
      if (password) secrets.push(password);
    } catch {
      /* a malformed URL is reported by the loader */
    }
  }
  return secrets.filter((s) => s.length >= 4);
}
