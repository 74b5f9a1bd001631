/**
 * Insertion-ordered in-memory table: O(1) add / lookup by id / lookup by
 * key (lower-cased email; the oldest of several), O(1) remove (tombstone;
 * O(k) for k accounts sharing an email), and O(page) slices.
 * Removals are compacted lazily, once, on the next ordered read.
 */

export interface Row<T> {
  value: T;
  /** Insertion sequence number (0-based), stable for the row's life. */
  seq: number;
  deleted: boolean;
}

export class Table<T> {
  private rows: Row<T>[] = [];
  private dirty = false;
  private nextSeq = 0;
  private readonly byId = new Map<string, Row<T>>();
  private readonly byKey = new Map<string, Row<T>>();
  /** Later rows sharing a key (case-duplicate accounts can be seeded), oldest first; most keys have none. */
  private readonly sameKey = new Map<string, Row<T>[]>();

  constructor(
    private readonly idOf: (v: T) => unknown,
    private readonly emailOf: (v: T) => unknown,
  ) {}

  add(value: T): Row<T> {
    const row: Row<T> = { value, seq: this.nextSeq++, deleted: false };
    this.rows.push(row);
    const id = this.idOf(value);
    if (typeof id === 'string' && !this.byId.has(id)) this.byId.set(id, row);
    const key = emailKey(this.emailOf(value));
    if (key !== undefined) {
      if (!this.byKey.has(key)) this.byKey.set(key, row);
      else this.sameKey.set(key, [...(this.sameKey.get(key) ?? []), row]);
    }
    return row;
  }

  get(id: string): Row<T> | undefined {
    return this.byId.get(id);
  }

  getByEmail(email: string): Row<T> | undefined {
    const key = emailKey(email);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  remove(row: Row<T>): void {
    if (row.deleted) return;
    row.deleted = true;
    this.dirty = true;
    const id = this.idOf(row.value);
    if (typeof id === 'string' && this.byId.get(id) === row) this.byId.delete(id);
    const key = emailKey(this.emailOf(row.value));
    if (key === undefined) return;
    const later = this.sameKey.get(key) ?? [];
    const rest = this.byKey.get(key) === row ? later.slice(1) : later.filter((r) => r !== row);
    if (this.byKey.get(key) === row) {
      if (later.length > 0) this.byKey.set(key, later[0]);
      else this.byKey.delete(key);
    }
    if (rest.length > 0) this.sameKey.set(key, rest);
    else this.sameKey.delete(key);
  }

  /** Live rows in insertion order (the internal array: do not mutate). */
  live(): readonly Row<T>[] {
    if (this.dirty) {
      this.rows = this.rows.filter((r) => !r.deleted);
      this.dirty = false;
    }
    return this.rows;
  }

  get size(): number {
    return this.live().length;
  }

  clear(): void {
    this.rows = [];
    this.dirty = false;
    this.byId.clear();
    this.byKey.clear();
    this.sameKey.clear();
  }
}

export function emailKey(email: unknown): string | undefined {
  return typeof email === 'string' ? email.trim().toLowerCase() : undefined;
}
