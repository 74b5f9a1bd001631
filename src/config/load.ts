import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import type { OrgRolesFrom } from '../adapters/org.js';
import type { SecodaRole } from '../adapters/secoda-roles.js';
import type { GroupMap } from '../core/groups.js';
import type { RoleMap } from '../core/roles.js';
import type { Rate } from '../http/gate.js';
import { readVariables, type Env, type Values } from './read.js';
import { VARIABLES } from './variables.js';

export { ConfigError, type Env } from './read.js';

export interface StoreConfig {
  databaseUrl?: string;
  dataDir: string;
  logLevel: string;
}

export interface SyncConfig extends StoreConfig {
  org: { url: string; token: string; rate: Rate; rolesFrom: OrgRolesFrom };
  secoda: { url: string; apiKey: string; readRate: Rate; writeRate: Rate };
  /** SECODA_REFRESH in ms: the snapshot's age beyond which a run reads Secoda's whole list; 0 = every run. */
  secodaRefreshMs: number;
  roleMap: RoleMap;
  defaultRole: SecodaRole | null;
  /** GROUP_MAP; null: groups are never read or touched. */
  groupMap: GroupMap | null;
  /** SYNC_NAMES: managed members' names follow the org. */
  syncNames: boolean;
  protectedEmails: string[];
  maxDeletes: number;
  maxDeletePercent: number;
  maxDemotions: number;
  maxDemotionPercent: number;
  /** Org roles ROLE_MAP may name: the documented ones plus ORG_ROLE_NAMES. */
  orgRoleNames: string[];
  /** SECODA_KEY_OWNER: the API key's owner, never deleted or re-roled. */
  secodaKeyOwner?: string;
  /** PLAN_MAX_AGE: `apply` refuses older plan files. */
  planMaxAgeMs: number;
  maxConcurrency: number;
  retryLimit: number;
  httpTimeoutMs: number;
  /** DELETE_AFTER in ms; 0 = delete at once. */
  deleteAfterMs: number;
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

function storeOf(v: Values<'store' | 'common'>): StoreConfig {
  return { ...(v.DATABASE_URL ? { databaseUrl: v.DATABASE_URL } : {}), dataDir: v.DATA_DIR, logLevel: v.LOG_LEVEL };
}

export function loadStoreConfig(env: Env): StoreConfig {
  return storeOf(readVariables(env, ['store', 'common']));
}

export function loadSyncConfig(env: Env): SyncConfig {
  const v = readVariables(env, ['sync', 'store', 'common']);
  return {
    ...storeOf(v),
    org: { url: v.ORG_API_URL, token: v.ORG_API_TOKEN, rate: v.ORG_RATE, rolesFrom: v.ORG_ROLES_FROM },
    secoda: { url: v.SECODA_API_URL, apiKey: v.SECODA_API_KEY, readRate: v.SECODA_READ_RATE, writeRate: v.SECODA_WRITE_RATE },
    secodaRefreshMs: v.SECODA_REFRESH,
    roleMap: v.ROLE_MAP,
    defaultRole: v.DEFAULT_ROLE,
    groupMap: v.GROUP_MAP,
    syncNames: v.SYNC_NAMES,
    protectedEmails: v.PROTECTED_EMAILS,
    maxDeletes: v.MAX_DELETES,
    maxDeletePercent: v.MAX_DELETE_PERCENT,
    maxDemotions: v.MAX_DEMOTIONS,
    maxDemotionPercent: v.MAX_DEMOTION_PERCENT,
    orgRoleNames: v.ORG_ROLE_NAMES,
    ...(v.SECODA_KEY_OWNER ? { secodaKeyOwner: v.SECODA_KEY_OWNER } : {}),
    planMaxAgeMs: v.PLAN_MAX_AGE,
    maxConcurrency: v.MAX_CONCURRENCY,
    retryLimit: v.RETRY_LIMIT,
    httpTimeoutMs: v.HTTP_TIMEOUT,
    deleteAfterMs: v.DELETE_AFTER,
  };
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
