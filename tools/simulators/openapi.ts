/**
 * A small request validator for the simulators: does a request match what
 * an OpenAPI 3.0 document publishes? Path and method exist, every query
 * parameter is documented, the JSON body matches the operation's schema.
 *
 * It supports the JSON Schema subset the published fragments use for
 * requests (type, properties, required, items, enum, additionalProperties,
 * nullable, local $ref, annotations) and throws when built from a document
 * whose request schemas use anything else: a keyword it would silently skip
 * is a check it would silently not make.
 *
 * Requests are judged strictly (the docs list what each call takes): a body
 * property the schema does not list is a violation unless the schema says
 * `additionalProperties: true`. Answers are not validated (the published
 * samples contradict their own schema: "True" / "None" strings).
 */

type Json = Record<string, unknown>;

export interface Violation {
  /** 400 for query and body problems, 404 for an unknown path, 405 for an undocumented method. */
  status: 400 | 404 | 405;
  message: string;
}

export interface RequestValidatorOptions {
  /**
   * Query parameters the document does not declare but the API documents
   * elsewhere, by "METHOD /path/template" (e.g. the list's `page`, which the
   * reference shows in its pagination sample only).
   */
  extraQuery?: Record<string, readonly string[]>;
  /** Extra body properties accepted, by "METHOD /path/template" (a documented gap, read one way). */
  extraBodyProperties?: Record<string, Record<string, Json>>;
}

export interface RequestValidator {
  /** Path, method and query. `route` has no trailing slash; `shown` is how to name the request. */
  request(method: string, route: string, query: URLSearchParams, shown: string): Violation | null;
  /** The JSON body (undefined when empty) of a request whose path and method passed `request`. */
  body(method: string, route: string, body: unknown, shown: string): Violation | null;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const ANNOTATIONS = new Set(['description', 'example', 'examples', 'title', 'deprecated']);
const SCHEMA_KEYWORDS = new Set([...ANNOTATIONS, 'type', 'properties', 'required', 'items', 'enum', 'additionalProperties', 'nullable', '$ref']);
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

interface Operation {
  key: string;
  query: Map<string, { required: boolean; schema: Json | null }>;
  body: { required: boolean; schema: Json } | null;
}

interface PathEntry {
  template: string;
  pattern: RegExp;
  ops: Map<string, Operation>;
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function createRequestValidator(doc: unknown, options: RequestValidatorOptions = {}): RequestValidator {
  if (!isObj(doc) || !isObj(doc.paths)) throw new Error('OpenAPI document: no "paths" object');
  const root = doc;
  const resolve = (s: Json, where: string): Json => {
    if (typeof s.$ref !== 'string') return s;
    const ref = s.$ref;
    if (!ref.startsWith('#/')) throw new Error(`OpenAPI document: unsupported non-local $ref ${ref} at ${where}`);
    let node: unknown = root;
    for (const part of ref.slice(2).split('/')) node = isObj(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    if (!isObj(node)) throw new Error(`OpenAPI document: $ref ${ref} at ${where} points nowhere`);
    return node;
  };

  /** Refuse, at start, any schema keyword the checker below would not enforce. */
  const vet = (s: unknown, where: string, depth = 0): void => {
    if (!isObj(s)) throw new Error(`OpenAPI document: schema at ${where} is not an object`);
    if (depth > 32) throw new Error(`OpenAPI document: schema at ${where} nests too deep (a $ref cycle?)`);
    for (const k of Object.keys(s)) {
      if (!SCHEMA_KEYWORDS.has(k)) throw new Error(`OpenAPI request validator: unsupported schema keyword "${k}" at ${where}`);
    }
    if (s.type !== undefined && !TYPES.has(s.type as string)) throw new Error(`OpenAPI request validator: unsupported type ${JSON.stringify(s.type)} at ${where}`);
    if (s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean') {
      throw new Error(`OpenAPI request validator: only boolean additionalProperties is supported (at ${where})`);
    }
    if (s.enum !== undefined && !Array.isArray(s.enum)) throw new Error(`OpenAPI document: enum at ${where} is not an array`);
    if (s.required !== undefined && !(Array.isArray(s.required) && s.required.every((r) => typeof r === 'string'))) {
      throw new Error(`OpenAPI document: required at ${where} is not a list of names`);
    }
    if (s.$ref !== undefined) return vet(resolve(s, where), `${where} -> ${String(s.$ref)}`, depth + 1);
    if (s.properties !== undefined) {
      if (!isObj(s.properties)) throw new Error(`OpenAPI document: properties at ${where} is not an object`);
      for (const [name, p] of Object.entries(s.properties)) vet(p, `${where}.${name}`, depth + 1);
    }
    if (s.items !== undefined) vet(s.items, `${where}[]`, depth + 1);
  };

  const paths: PathEntry[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    if (!isObj(item)) throw new Error(`OpenAPI document: path ${template} is not an object`);
    const source = template.replace(/\/+$/, '').replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '([^/]+)');
    const entry: PathEntry = { template, pattern: new RegExp(`^${source}$`), ops: new Map() };
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const m of METHODS) {
      const op = item[m];
      if (op === undefined) continue;
      if (!isObj(op)) throw new Error(`OpenAPI document: ${m.toUpperCase()} ${template} is not an object`);
      const key = `${m.toUpperCase()} ${template}`;
      const query = new Map<string, { required: boolean; schema: Json | null }>();
      for (const raw of [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
        const p = isObj(raw) ? resolve(raw, key) : null;
        if (!p || typeof p.name !== 'string') throw new Error(`OpenAPI document: a parameter of ${key} has no name`);
        if (p.in === 'path') continue; // a path that matched the template has them all
        if (p.in !== 'query') throw new Error(`OpenAPI request validator: unsupported parameter location "${String(p.in)}" (${p.name}, ${key})`);
        if (p.schema !== undefined) vet(p.schema, `${key} query ${p.name}`);
        query.set(p.name, { required: p.required === true, schema: isObj(p.schema) ? p.schema : null });
      }
      for (const name of options.extraQuery?.[key] ?? []) if (!query.has(name)) query.set(name, { required: false, schema: null });
      let body: Operation['body'] = null;
      if (op.requestBody !== undefined) {
        const rb = isObj(op.requestBody) ? resolve(op.requestBody, key) : null;
        const content = rb && isObj(rb.content) ? rb.content : null;
        const types = content ? Object.keys(content) : [];
        if (!content || types.length !== 1 || types[0] !== 'application/json' || !isObj(content['application/json'])) {
          throw new Error(`OpenAPI request validator: ${key} has a request body other than one application/json schema (${types.join(', ') || 'none'})`);
        }
        const schema = (content['application/json'] as Json).schema;
        vet(schema, `${key} body`);
        let resolved = resolve(schema as Json, key);
        const extra = options.extraBodyProperties?.[key];
        if (extra) {
          resolved = { ...resolved, properties: { ...(isObj(resolved.properties) ? resolved.properties : {}), ...extra } };
          vet(resolved, `${key} body (amended)`);
        }
        body = { required: rb!.required === true, schema: resolved };
      }
      entry.ops.set(m.toUpperCase(), { key, query, body });
    }
    paths.push(entry);
  }
  for (const key of [...Object.keys(options.extraQuery ?? {}), ...Object.keys(options.extraBodyProperties ?? {})]) {
    const [m, t] = key.split(' ');
    if (!paths.some((p) => p.template === t && p.ops.has(m))) throw new Error(`request validator option names ${key}, which the document does not have`);
  }

  const find = (method: string, route: string): { op?: Operation; path?: PathEntry } => {
    const path = paths.find((p) => p.pattern.test(route));
    return { path, op: path?.ops.get(method.toUpperCase()) };
  };

  /** First violation of `schema` by `value`, or null. */
  const check = (schema: Json, value: unknown, at: string): string | null => {
    const s = resolve(schema, at);
    if (value === null) return s.nullable === true ? null : `${at} must not be null`;
    if (s.type !== undefined) {
      const ok =
        s.type === 'object' ? isObj(value)
        : s.type === 'array' ? Array.isArray(value)
        : s.type === 'integer' ? Number.isInteger(value)
        : s.type === 'number' ? typeof value === 'number' && Number.isFinite(value)
        : typeof value === s.type;
      if (!ok) return `${at} must be ${s.type === 'integer' || s.type === 'array' || s.type === 'object' ? 'an' : 'a'} ${String(s.type)}, got ${kind(value)}`;
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => e === value)) {
      return `${at} must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`;
    }
    if (isObj(value) && (s.properties !== undefined || s.type === 'object')) {
      const props = isObj(s.properties) ? s.properties : {};
      for (const r of (s.required as string[] | undefined) ?? []) if (!(r in value)) return `${at}: missing required property "${r}"`;
      for (const [k, v] of Object.entries(value)) {
        const p = props[k];
        if (p === undefined) {
          if (s.additionalProperties === true) continue;
          return `${at}: unknown property "${k}"`;
        }
        const bad = check(p as Json, v, at === 'request body' ? `request body "${k}"` : `${at}.${k}`);
        if (bad) return bad;
      }
    }
    if (Array.isArray(value) && isObj(s.items)) {
      for (let i = 0; i < value.length; i++) {
        const bad = check(s.items, value[i], `${at}[${i}]`);
        if (bad) return bad;
      }
    }
    return null;
  };

  return {
    request(method, route, query, shown) {
      const { path, op } = find(method, route);
      if (!path) return { status: 404, message: `no such path in the OpenAPI document (${shown})` };
      if (!op) return { status: 405, message: `method ${method.toUpperCase()} is not documented for ${path.template} (${shown})` };
      for (const name of new Set(query.keys())) {
        const q = op.query.get(name);
        if (!q) return { status: 400, message: `query parameter "${name}" is not documented (${shown})` };
        if (query.getAll(name).length > 1) return { status: 400, message: `query parameter "${name}" given more than once (${shown})` };
        const value = query.get(name)!;
        const t = q.schema?.type;
        const typed = t === 'integer' && /^-?\d+$/.test(value) ? Number(value) : t === 'boolean' && /^(true|false)$/.test(value) ? value === 'true' : value;
        const bad = q.schema ? check(q.schema, typed, `query parameter "${name}"`) : null;
        if (bad) return { status: 400, message: `${bad} (${shown})` };
      }
      for (const [name, q] of op.query) if (q.required && !query.has(name)) return { status: 400, message: `query parameter "${name}" is required (${shown})` };
      return null;
    },
    body(method, route, body, shown) {
      const { op } = find(method, route);
      if (!op) return null; // `request` answered already
      if (!op.body) return body === undefined ? null : { status: 400, message: `request body: this operation takes none (${shown})` };
      if (body === undefined) return op.body.required ? { status: 400, message: `request body: required (${shown})` } : null;
      const bad = check(op.body.schema, body, 'request body');
      return bad ? { status: 400, message: `${bad} (${shown})` } : null;
    },
  };
}

function kind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v;
}
