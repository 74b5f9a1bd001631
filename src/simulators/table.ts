/**
 * Insertion-ordered in-memory table: O(1) add / lookup by id / lookup by
 * key (lower-cased email), O(1) remove (tombstone), and O(page) slices.
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
    if (key !== undefined && !this.byKey.has(key)) this.byKey.set(key, row);
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
    if (key !== undefined && this.byKey.get(key) === row) this.byKey.delete(key);
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
  }
}

export function emailKey(email: unknown): string | undefined {
  return typeof email === 'string' ? email.trim().toLowerCase() : undefined;
}
