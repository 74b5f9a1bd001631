/**
 * Static checks of the deployment recipes in ops/ (and docs/operations.md):
 * they parse, run real CLI commands, probe the daemon's real endpoints, set
 * only variables the tool knows, and ship no secrets. No Docker engine or
 * cluster is needed: the Dockerfile and manifests are checked as text/data.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { VARIABLES } from '../../src/config/variables.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPS = join(ROOT, 'ops');

/** Every CLI command (src/cli/main.ts, plus `daemon`). */
const CLI_COMMANDS = ['reconcile', 'report', 'migrate', 'daemon'];
/** The commands a recipe may run on its own: the daemon, or one reconcile per schedule. */
const RECIPE_COMMANDS = ['daemon', 'reconcile'];
const RECONCILE_FLAGS = ['--dry-run', '--format', '--out', '--max-deletes', '--max-demotions', '--wait'];
const REPORT_FORMATS = ['table', 'json', 'markdown'];

/** The daemon's variables (to move into VARIABLES, group 'daemon', once the daemon lands). */
const DAEMON_VARIABLES = [
  'SYNC_SCHEDULE', 'SYNC_TIMEZONE', 'RUN_ON_START', 'SHUTDOWN_TIMEOUT',
  'HTTP_PORT', 'HTTP_HOST', 'ALERT_WEBHOOK_URL', 'RUN_RETENTION_DAYS',
];
/** Not ours, but legitimately set by the recipes for the Node runtime. */
const PLATFORM_VARIABLES = ['NODE_ENV'];
const KNOWN_VARIABLES = new Set([...VARIABLES.map((v) => v.name), ...DAEMON_VARIABLES, ...PLATFORM_VARIABLES]);
/** Must come from a Secret / a private file, never from a ConfigMap or an image. */
const SECRET_VARIABLES = [...VARIABLES.filter((v) => v.secret).map((v) => v.name), 'ALERT_WEBHOOK_URL'];

const DEFAULT_HTTP_PORT = 9464;
const DEFAULT_SHUTDOWN_SECONDS = 30;

const METRICS = [
  'runs_total', 'actions_total', 'run_duration_seconds', 'last_success_timestamp_seconds',
  'http_requests_total', 'http_throttled_total', 'snapshot_users', 'is_leader',
  'secoda_reads_total', 'secoda_snapshot_age_seconds', 'secoda_confirmations_total',
].map((m) => `secoda_user_sync_${m}`);

// ---------------------------------------------------------------------------
// helpers

type Obj = Record<string, any>;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

const read = (file: string) => readFileSync(file, 'utf8');
const rel = (file: string) => relative(ROOT, file);

/** Every document of a (multi-document) YAML file; throws on any parse error. */
function loadYaml(file: string): Obj[] {
  const docs = parseAllDocuments(read(file));
  const errors = docs.flatMap((d) => d.errors.map((e) => `${rel(file)}: ${e.message}`));
  if (errors.length) throw new Error(errors.join('\n'));
  return docs.map((d) => d.toJS()).filter((d) => d !== null && d !== undefined);
}

/** Like loadYaml, but a broken file yields no documents (the "parses" test names the error). */
function loadYamlLenient(file: string): Obj[] {
  try {
    return loadYaml(file);
  } catch {
    return [];
  }
}

const yamlFiles = walk(OPS).filter((f) => /\.ya?ml$/.test(f));
const k8sObjects = walk(join(OPS, 'k8s'))
  .filter((f) => /\.ya?ml$/.test(f))
  .flatMap((file) => loadYamlLenient(file).map((obj) => ({ file, obj })));
const composeFile = () => loadYamlLenient(join(OPS, 'docker-compose.yml'))[0] ?? { services: {} };

function k8s(kind: string): Obj[] {
  return k8sObjects.filter((o) => o.obj.kind === kind).map((o) => o.obj);
}

function podSpec(workload: Obj): Obj {
  if (workload.kind === 'Deployment') return workload.spec.template.spec;
  if (workload.kind === 'CronJob') return workload.spec.jobTemplate.spec.template.spec;
  throw new Error(`no pod spec for ${workload.kind}`);
}

const workloads = () => [...k8s('Deployment'), ...k8s('CronJob')];

/** "30s", "45", "500ms", "1m" -> seconds. */
function seconds(text: string | number): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min)?$/.exec(String(text).trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' || m[2] === 'min' ? n * 60 : n;
}

/** Checks the arguments after the CLI entry point: a known command and, for reconcile, known flags. */
function expectCliArgs(args: string[], where: string): void {
  expect(CLI_COMMANDS, `${where}: command "${args[0]}"`).toContain(args[0]);
  expect(RECIPE_COMMANDS, `${where}: a recipe runs the daemon or reconcile`).toContain(args[0]);
  if (args[0] === 'reconcile') {
    for (let i = 1; i < args.length; i++) {
      const flag = args[i]!.split('=')[0]!;
      expect(RECONCILE_FLAGS, `${where}: reconcile flag ${flag}`).toContain(flag);
      if (flag === '--format') expect(REPORT_FORMATS).toContain(args[i]!.includes('=') ? args[i]!.split('=')[1] : args[++i]);
      else if (flag !== '--dry-run' && !args[i]!.includes('=')) i++;
    }
  } else {
    expect(args.slice(1), `${where}: daemon takes no flags`).toEqual([]);
  }
}

// --- Dockerfile ---------------------------------------------------------

interface Instruction { keyword: string; args: string; stage: number }

function parseDockerfile(text: string): { instructions: Instruction[]; stages: { base: string; name?: string }[]; args: Record<string, string> } {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!current && (line === '' || line.startsWith('#'))) continue;
    if (current && line.startsWith('#')) continue; // comment inside a continuation
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  if (current) logical.push(current);

  const globalArgs: Record<string, string> = {};
  const stages: { base: string; name?: string }[] = [];
  const instructions: Instruction[] = [];
  for (const line of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (keyword === 'ARG' && stages.length === 0) {
      const [k, v] = args.split('=');
      globalArgs[k!] = v ?? '';
    }
    if (keyword === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args)!;
      const base = f[1]!.replace(/\$\{?(\w+)\}?/g, (_, name: string) => globalArgs[name] ?? '');
      stages.push({ base, ...(f[2] ? { name: f[2] } : {}) });
    }
    instructions.push({ keyword, args, stage: stages.length - 1 });
  }
  return { instructions, stages, args: globalArgs };
}

function envAssignments(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  const tokens = args.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
  if (tokens.length && !tokens[0]!.includes('=')) {
    out[tokens[0]!] = tokens.slice(1).join(' '); // legacy `ENV KEY value`
    return out;
  }
  for (const t of tokens) {
    const i = t.indexOf('=');
    out[t.slice(0, i)] = t.slice(i + 1).replace(/^["']|["']$/g, '');
  }
  return out;
}

// --- systemd ------------------------------------------------------------

type Unit = Record<string, Record<string, string[]>>;

function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = s[1]!;
      unit[section] ??= {};
      continue;
    }
    const i = line.indexOf('=');
    const key = line.slice(0, i).trim();
    (unit[section]![key] ??= []).push(line.slice(i + 1).trim());
  }
  return unit;
}

const SYSTEMD = join(OPS, 'systemd');
const unitFiles = () => readdirSync(SYSTEMD).filter((f) => /\.(service|timer)$/.test(f));
const unit = (name: string) => parseUnit(read(join(SYSTEMD, name)));
const one = (u: Unit, section: string, key: string) => u[section]?.[key]?.at(-1);

// ---------------------------------------------------------------------------

describe('ops/: YAML', () => {
  it('every YAML file under ops/ parses (all documents)', () => {
    expect(yamlFiles.map(rel).sort()).toEqual(expect.arrayContaining([
      'ops/docker-compose.yml', 'ops/k8s/configmap.yaml', 'ops/k8s/cronjob.yaml',
      'ops/k8s/deployment.yaml', 'ops/k8s/secret.example.yaml',
    ]));
    const errors: string[] = [];
    for (const file of yamlFiles) {
      try {
        loadYaml(file);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    expect(errors).toEqual([]);
    for (const file of yamlFiles) {
      const docs = loadYaml(file);
      expect(docs.length, `${rel(file)} has no document`).toBeGreaterThan(0);
      for (const d of docs) expect(typeof d, rel(file)).toBe('object');
    }
  });

  it('every Kubernetes object has apiVersion, kind and metadata.name', () => {
    expect(k8sObjects.length).toBeGreaterThan(0);
    for (const { file, obj } of k8sObjects) {
      expect(obj.apiVersion, rel(file)).toEqual(expect.any(String));
      expect(obj.kind, rel(file)).toEqual(expect.any(String));
      expect(obj.metadata?.name, rel(file)).toEqual(expect.any(String));
    }
    expect(k8s('Deployment')).toHaveLength(1);
    expect(k8s('CronJob')).toHaveLength(1);
    expect(k8s('ConfigMap')).toHaveLength(1);
    expect(k8s('Secret')).toHaveLength(1);
  });
});

describe('ops/k8s', () => {
  it('containers run known CLI commands through the image entrypoint', () => {
    const [deployment] = k8s('Deployment');
    const [cronjob] = k8s('CronJob');
    for (const w of workloads()) {
      for (const c of podSpec(w).containers as Obj[]) {
        // The image's ENTRYPOINT (node dist/cli.js) is kept: only args are set.
        if (c.command) expect(c.command, `${w.kind} ${c.name}`).toEqual(['node', 'dist/cli.js']);
        expect(Array.isArray(c.args), `${w.kind} ${c.name} args`).toBe(true);
        expectCliArgs(c.args, `${w.kind} ${c.name}`);
      }
    }
    expect(podSpec(deployment!).containers[0].args[0]).toBe('daemon');
    expect(podSpec(cronjob!).containers[0].args[0]).toBe('reconcile');
  });

  it('the daemon probes /healthz (liveness) and /readyz (readiness) on its HTTP port', () => {
    const [deployment] = k8s('Deployment');
    const [configMap] = k8s('ConfigMap');
    const port = Number(configMap!.data.HTTP_PORT ?? DEFAULT_HTTP_PORT);
    const c = podSpec(deployment!).containers[0];
    const portOf = (p: string | number) => (typeof p === 'number' ? p : c.ports.find((x: Obj) => x.name === p)?.containerPort);
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    if (c.startupProbe) expect(['/healthz', '/readyz']).toContain(c.startupProbe.httpGet.path);
    expect(portOf(c.livenessProbe.httpGet.port)).toBe(port);
    expect(portOf(c.readinessProbe.httpGet.port)).toBe(port);
    expect(c.ports.map((p: Obj) => p.containerPort)).toContain(port);

    const annotations = deployment!.spec.template.metadata.annotations;
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(Number(annotations['prometheus.io/port'])).toBe(port);
    expect(annotations['prometheus.io/path']).toBe('/metrics');
  });

  it('pods are locked down: non-root, read-only root with a /tmp emptyDir, no privilege escalation', () => {
    for (const w of workloads()) {
      const spec = podSpec(w);
      expect(spec.securityContext?.runAsNonRoot, w.kind).toBe(true);
      expect(spec.securityContext?.runAsUser, w.kind).not.toBe(0);
      for (const c of spec.containers as Obj[]) {
        expect(c.securityContext?.readOnlyRootFilesystem, `${w.kind} ${c.name}`).toBe(true);
        expect(c.securityContext?.allowPrivilegeEscalation, `${w.kind} ${c.name}`).toBe(false);
        expect(c.resources?.requests, `${w.kind} ${c.name} resources`).toBeTruthy();
        expect(c.resources?.limits?.memory, `${w.kind} ${c.name} memory limit`).toBeTruthy();
        const tmp = (c.volumeMounts as Obj[]).find((m) => m.mountPath === '/tmp');
        expect(tmp, `${w.kind} ${c.name} /tmp mount`).toBeTruthy();
        expect(spec.volumes.find((v: Obj) => v.name === tmp!.name)?.emptyDir, `${w.kind} /tmp volume`).toBeTruthy();
      }
    }
  });

  it('gives the daemon more than SHUTDOWN_TIMEOUT to stop', () => {
    const [configMap] = k8s('ConfigMap');
    const shutdown = seconds(configMap!.data.SHUTDOWN_TIMEOUT ?? DEFAULT_SHUTDOWN_SECONDS);
    for (const w of workloads()) {
      expect(podSpec(w).terminationGracePeriodSeconds ?? 30, w.kind).toBeGreaterThan(shutdown);
    }
  });

  it('the CronJob never overlaps or retries runs', () => {
    const [cronjob] = k8s('CronJob');
    expect(cronjob!.spec.concurrencyPolicy).toBe('Forbid');
    expect(cronjob!.spec.jobTemplate.spec.backoffLimit).toBe(0);
    expect(podSpec(cronjob!).restartPolicy).toBe('Never');
    expect(read(join(OPS, 'k8s', 'cronjob.yaml'))).toMatch(/exit (code )?3|3 HELD|held/i);
  });

  it('secrets come from the Secret, settings from the ConfigMap, and every reference resolves', () => {
    const [configMap] = k8s('ConfigMap');
    const [secret] = k8s('Secret');
    const secretKeys = Object.keys({ ...secret!.stringData, ...secret!.data });
    for (const name of SECRET_VARIABLES) expect(Object.keys(configMap!.data), `${name} in the ConfigMap`).not.toContain(name);
    for (const name of VARIABLES.filter((v) => v.secret).map((v) => v.name)) expect(secretKeys).toContain(name);

    for (const w of workloads()) {
      const c = podSpec(w).containers[0];
      for (const from of (c.envFrom ?? []) as Obj[]) {
        if (from.configMapRef) expect(from.configMapRef.name).toBe(configMap!.metadata.name);
        if (from.secretRef) expect(from.secretRef.name).toBe(secret!.metadata.name);
      }
      const env = (c.env ?? []) as Obj[];
      for (const e of env) {
        if (SECRET_VARIABLES.includes(e.name)) {
          expect(e.value, `${w.kind} ${e.name} must not be inline`).toBeUndefined();
          expect(e.valueFrom?.secretKeyRef, `${w.kind} ${e.name} from a Secret`).toBeTruthy();
        }
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) {
          expect(ref.name).toBe(secret!.metadata.name);
          expect(secretKeys, `${w.kind} ${e.name}`).toContain(ref.key);
        }
      }
      for (const name of ['ORG_API_TOKEN', 'SECODA_API_KEY', 'DATABASE_URL']) {
        expect(env.map((e) => e.name), `${w.kind} gets ${name}`).toContain(name);
      }
    }
  });

  it('several daemon replicas only with a shared Postgres, and the manifest says only the leader works', () => {
    const [deployment] = k8s('Deployment');
    if ((deployment!.spec.replicas ?? 1) > 1) {
      const env = podSpec(deployment!).containers[0].env as Obj[];
      expect(env.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toBeTruthy();
      expect(read(join(OPS, 'k8s', 'deployment.yaml'))).toMatch(/leader/i);
    }
  });

  it('the Secret example holds placeholders only, nothing that looks real', () => {
    const file = join(OPS, 'k8s', 'secret.example.yaml');
    const [secret] = loadYaml(file).filter((o) => o.kind === 'Secret');
    expect(secret!.data, 'use stringData so the placeholders are readable').toBeUndefined();
    const values = Object.entries(secret!.stringData as Record<string, string>);
    expect(values.length).toBeGreaterThan(0);
    for (const [key, value] of values) {
      if (value === '') continue;
      expect(value, `${key} must be an obvious placeholder`).toMatch(/REPLACE_ME/);
      if (key === 'DATABASE_URL') expect(decodeURIComponent(new URL(value).password)).toMatch(/REPLACE_ME/);
    }
    const text = read(file);
    const realShapes = [
      /xox[abprs]-[A-Za-z0-9-]{10,}/, // Slack tokens
      /hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/, // a complete Slack webhook
      /webhook\.office\.com\/webhookb2\/[0-9a-f-]{36}/, // a Teams webhook
      /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, // JWT
      /\b(?:ghp|gho|github_pat|sk|pk|rk)_[A-Za-z0-9_]{16,}/, // prefixed API keys
      /AKIA[0-9A-Z]{16}/, // AWS
    ];
    for (const shape of realShapes) expect(text, `looks like a real credential: ${shape}`).not.toMatch(shape);
    // High-entropy runs (mixed case and digits, 20+ chars) outside the placeholders.
    for (const [key, value] of values) {
      const randomLooking = value
        .replace(/REPLACE_ME\w*/g, '')
        .split(/[^A-Za-z0-9+/=_-]+/)
        .filter((t) => t.length >= 20 && /\d/.test(t) && /[a-z]/.test(t) && /[A-Z]/.test(t));
      expect(randomLooking, `${key} contains a random-looking string`).toEqual([]);
    }
  });
});

describe('ops/: every variable the recipes set is one the tool reads', () => {
  const collected: { where: string; name: string }[] = [];

  // Dockerfile ENV
  for (const i of parseDockerfile(read(join(OPS, 'Dockerfile'))).instructions.filter((x) => x.keyword === 'ENV')) {
    for (const name of Object.keys(envAssignments(i.args))) collected.push({ where: 'ops/Dockerfile ENV', name });
  }
  // Compose: the services running our image (not postgres' own POSTGRES_* settings)
  const compose = composeFile();
  for (const [service, def] of Object.entries(compose.services as Record<string, Obj>)) {
    const ours = def.build?.dockerfile === 'ops/Dockerfile' || String(def.image ?? '').startsWith('secoda-user-sync');
    if (!ours) continue;
    const env = def.environment ?? {};
    const names = Array.isArray(env) ? env.map((e: string) => e.split('=')[0]) : Object.keys(env);
    for (const name of names) collected.push({ where: `compose service ${service}`, name });
  }
  // Kubernetes: ConfigMap data, Secret keys, container env
  for (const cm of k8s('ConfigMap')) for (const name of Object.keys(cm.data ?? {})) collected.push({ where: 'ConfigMap', name });
  for (const s of k8s('Secret')) for (const name of Object.keys({ ...s.stringData, ...s.data })) collected.push({ where: 'Secret', name });
  for (const w of workloads()) {
    for (const c of podSpec(w).containers as Obj[]) {
      for (const e of (c.env ?? []) as Obj[]) collected.push({ where: `${w.kind} ${c.name}`, name: e.name });
    }
  }
  // systemd Environment=
  for (const file of unitFiles()) {
    for (const assignment of unit(file).Service?.Environment ?? []) {
      for (const t of assignment.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
        collected.push({ where: `ops/systemd/${file}`, name: t.replace(/^"/, '').split('=')[0]! });
      }
    }
  }

  it('found variables in every kind of recipe', () => {
    const wheres = collected.map((c) => c.where);
    for (const w of ['ops/Dockerfile ENV', 'compose service', 'ConfigMap', 'Secret', 'Deployment', 'CronJob', 'ops/systemd/']) {
      expect(wheres.some((x) => x.startsWith(w)), w).toBe(true);
    }
  });

  it.each(collected.map((c) => [c.where, c.name] as const))('%s sets %s', (where, name) => {
    expect(KNOWN_VARIABLES.has(name), `${where} sets ${name}, which is not a known variable`).toBe(true);
  });
});

describe('ops/docker-compose.yml', () => {
  const services = composeFile().services as Record<string, Obj>;
  const [name, sync] = Object.entries(services).find(([, s]) => s.build) ?? ['(none)', {} as Obj];

  it('builds the image from ops/Dockerfile with the repo root as context', () => {
    expect(sync.build.dockerfile).toBe('ops/Dockerfile');
    const context = resolve(OPS, sync.build.context); // compose paths are relative to the file's folder
    expect(context).toBe(resolve(ROOT));
    expect(existsSync(join(context, sync.build.dockerfile))).toBe(true);
  });

  it('reads the repo-root .env and points DATABASE_URL at the postgres service', () => {
    const envFiles = ([] as unknown[]).concat(sync.env_file).map((e) => (typeof e === 'string' ? e : (e as Obj).path));
    expect(envFiles.map((f) => resolve(OPS, f))).toContain(join(resolve(ROOT), '.env'));
    const url = new URL(sync.environment.DATABASE_URL.replace(/\$\{[^}]+\}/g, 'x'));
    expect(url.protocol).toBe('postgres:');
    expect(Object.keys(services)).toContain(url.hostname);
    const db = services[url.hostname]!;
    expect(String(db.image)).toMatch(/^postgres:16\b/);
    expect(db.healthcheck?.test).toBeTruthy();
    expect(db.volumes?.length).toBeGreaterThan(0);
    expect(sync.depends_on?.[url.hostname]?.condition).toBe('service_healthy');
  });

  it(`runs the daemon on port ${DEFAULT_HTTP_PORT} with time to shut down`, () => {
    expectCliArgs(([] as string[]).concat(sync.command ?? ['daemon']), `compose ${name}`);
    expect(sync.ports.map(String).some((p: string) => p.endsWith(`:${DEFAULT_HTTP_PORT}`))).toBe(true);
    expect(seconds(sync.stop_grace_period ?? '10s')).toBeGreaterThan(DEFAULT_SHUTDOWN_SECONDS);
  });
});

describe('ops/Dockerfile', () => {
  const { instructions, stages } = parseDockerfile(read(join(OPS, 'Dockerfile')));
  const final = stages.length - 1;
  const inFinal = (keyword: string) => instructions.filter((i) => i.stage === final && i.keyword === keyword);
  const json = (text: string) => JSON.parse(text) as string[];

  it('is multi-stage: a build stage (npm ci + npm run build) and a slim Node 20 runtime', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages.findIndex((s) => s.name === 'build');
    expect(build).toBeGreaterThanOrEqual(0);
    const buildRuns = instructions.filter((i) => i.stage === build && i.keyword === 'RUN').map((i) => i.args).join('\n');
    expect(buildRuns).toMatch(/npm ci\b/);
    expect(buildRuns).toMatch(/npm run build\b/);
    expect(stages[final]!.base).toMatch(/^node:20(?:\.[\d.]+)?-(?:bookworm-)?slim$/);
    expect(inFinal('RUN').map((i) => i.args).join('\n')).toMatch(/npm ci\b.*--omit=dev/);
  });

  it('ships dist/ from the build stage, drizzle/ and package.json', () => {
    const copies = inFinal('COPY').map((i) => i.args);
    expect(copies.some((c) => /--from=build\s+\S*dist\/?\s/.test(`${c} `))).toBe(true);
    expect(copies.some((c) => /^drizzle\/?\s/.test(c))).toBe(true);
    expect(copies.some((c) => /(^|\s)package\.json\s/.test(c))).toBe(true);
  });

  it('copies only paths that exist and that .dockerignore keeps in the context', () => {
    const ignore = read(join(ROOT, '.dockerignore')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    for (const want of ['node_modules', 'dist', '.data', '.env', '.git']) expect(ignore).toContain(want);
    for (const i of instructions.filter((x) => x.keyword === 'COPY' && !x.args.includes('--from='))) {
      const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const src of parts.slice(0, -1)) {
        expect(existsSync(join(ROOT, src)), `COPY ${src}`).toBe(true);
        expect(ignore, `COPY ${src} is excluded by .dockerignore`).not.toContain(src.replace(/\/$/, '').split('/')[0]);
      }
    }
  });

  it('runs as a non-root user', () => {
    const user = inFinal('USER').at(-1)?.args;
    expect(user, 'USER in the runtime stage').toBeTruthy();
    expect(['root', '0']).not.toContain(user!.split(':')[0]);
  });

  it('starts node dist/cli.js daemon and checks /healthz with node', () => {
    expect(json(inFinal('ENTRYPOINT').at(-1)!.args)).toEqual(['node', 'dist/cli.js']);
    const cmd = json(inFinal('CMD').at(-1)!.args);
    expect(cmd).toEqual(['daemon']);
    expectCliArgs(cmd, 'Dockerfile CMD');
    const health = inFinal('HEALTHCHECK').at(-1)!.args;
    expect(health).toMatch(/\/healthz/);
    expect(health).toMatch(/CMD \["node", "-e"/);
    expect(health).not.toMatch(/curl|wget/);
    expect(inFinal('EXPOSE').map((i) => i.args)).toContain(String(DEFAULT_HTTP_PORT));
  });

  it('keeps the embedded store in a /data volume', () => {
    const env = Object.assign({}, ...inFinal('ENV').map((i) => envAssignments(i.args)));
    expect(env.DATA_DIR).toBe('/data');
    expect(inFinal('VOLUME').map((i) => i.args).join(' ')).toMatch(/\/data\b/);
    for (const name of SECRET_VARIABLES) expect(Object.keys(env), `the image must not carry ${name}`).not.toContain(name);
  });
});

describe('ops/systemd', () => {
  it('has the daemon unit and the one-shot service + timer alternative', () => {
    expect(unitFiles().sort()).toEqual([
      'secoda-user-sync-reconcile.service',
      'secoda-user-sync-reconcile.timer',
      'secoda-user-sync.service',
    ]);
  });

  it('ExecStart runs node dist/cli.js with a known command', () => {
    for (const file of unitFiles().filter((f) => f.endsWith('.service'))) {
      const exec = one(unit(file), 'Service', 'ExecStart')!.split(/\s+/);
      expect(exec.slice(0, 2), file).toEqual(['/usr/bin/node', '/opt/secoda-user-sync/dist/cli.js']);
      expectCliArgs(exec.slice(2), file);
    }
    expect(one(unit('secoda-user-sync.service'), 'Service', 'ExecStart')).toMatch(/ daemon$/);
    expect(one(unit('secoda-user-sync-reconcile.service'), 'Service', 'ExecStart')).toMatch(/ reconcile\b/);
  });

  it('the daemon is sandboxed, restarts on failure and outlives SHUTDOWN_TIMEOUT on stop', () => {
    const u = unit('secoda-user-sync.service');
    expect(one(u, 'Service', 'EnvironmentFile')).toBe('/etc/secoda-user-sync/env');
    expect(one(u, 'Service', 'DynamicUser')).toBe('yes');
    expect(one(u, 'Service', 'StateDirectory')).toBe('secoda-user-sync');
    expect(u.Service!.Environment!.join(' ')).toMatch(/DATA_DIR=\/var\/lib\/secoda-user-sync\b/);
    expect(one(u, 'Service', 'ProtectSystem')).toBe('strict');
    expect(one(u, 'Service', 'ProtectHome')).toBe('yes');
    expect(one(u, 'Service', 'NoNewPrivileges')).toBe('yes');
    expect(one(u, 'Service', 'PrivateTmp')).toBe('yes');
    expect(one(u, 'Service', 'Restart')).toBe('on-failure');
    expect(one(u, 'Service', 'KillSignal')).toBe('SIGTERM');
    expect(seconds(one(u, 'Service', 'TimeoutStopSec')!)).toBeGreaterThan(DEFAULT_SHUTDOWN_SECONDS);
    expect(one(u, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it('the one-shot treats exit 3 (held) as a failure, and the timer fires every 15 minutes, persistently', () => {
    const svc = unit('secoda-user-sync-reconcile.service');
    expect(one(svc, 'Service', 'Type')).toBe('oneshot');
    expect((svc.Service!.SuccessExitStatus ?? []).join(' ')).not.toMatch(/\b3\b/);
    const timer = unit('secoda-user-sync-reconcile.timer');
    expect(one(timer, 'Timer', 'OnCalendar')).toBe('*:0/15');
    expect(one(timer, 'Timer', 'Persistent')).toBe('true');
    expect(one(timer, 'Timer', 'Unit') ?? 'secoda-user-sync-reconcile.service').toBe('secoda-user-sync-reconcile.service');
    expect(one(timer, 'Install', 'WantedBy')).toBe('timers.target');
  });

  it('systemd-analyze verify passes', (ctx) => {
    const which = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
    const analyze = which.status === 0 ? which.stdout.trim() : '';
    if (!analyze) {
      const reason = 'systemd-analyze is not installed here: unit files not verified (only parsed)';
      console.warn(`[ops] skipped: ${reason}`);
      ctx.skip(reason);
    }
    // verify checks that ExecStart's binary exists: use this machine's node when /usr/bin/node is absent.
    const dir = mkdtempSync(join(tmpdir(), 'secoda-units-'));
    try {
      for (const file of unitFiles()) {
        const text = read(join(SYSTEMD, file));
        if (existsSync('/usr/bin/node')) copyFileSync(join(SYSTEMD, file), join(dir, file));
        else writeFileSync(join(dir, file), text.replaceAll('/usr/bin/node ', `${process.execPath} `));
      }
      const result = spawnSync(analyze, ['verify', ...unitFiles().map((f) => join(dir, f))], {
        encoding: 'utf8',
        cwd: dir,
        timeout: 60_000,
        env: { ...process.env, SYSTEMD_LOG_COLOR: '0' },
      });
      expect(result.error).toBeUndefined();
      expect(result.status, `systemd-analyze verify:\n${result.stderr}${result.stdout}`).toBe(0);
      expect(result.stderr.trim(), 'systemd-analyze verify warnings').toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docs/operations.md', () => {
  const doc = read(join(ROOT, 'docs', 'operations.md'));

  it('names every metric, every daemon variable and every recipe file', () => {
    for (const m of METRICS) expect(doc.includes(m), `docs/operations.md names ${m}`).toBe(true);
    for (const v of DAEMON_VARIABLES) expect(doc.includes(v), `docs/operations.md names ${v}`).toBe(true);
    for (const f of walk(OPS).map((f) => relative(OPS, f))) {
      const base = f.split('/').at(-1)!;
      expect(doc.includes(f) || doc.includes(base), `docs/operations.md mentions ops/${f}`).toBe(true);
    }
  });

  it('explains exit 3 and the one-time override', () => {
    expect(doc).toMatch(/exit 3/i);
    expect(doc).toMatch(/--max-deletes \d+/);
  });
});
