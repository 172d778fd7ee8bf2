// A DedupeStore that survives restarts, in one append-only file of JSON lines
// (`{"id":"event_…"}`). Opening reads it back (a line torn by a crash is
// ignored); once the file holds twice as many lines as the store keeps, it is
// rewritten with only the kept ids (to a temporary file, then renamed, so a
// crash mid-compaction leaves the old file whole).
import { type FileHandle, open, readFile, rename } from 'node:fs/promises';
import type { DedupeStore } from './dedupe.ts';

export interface FileDedupeStoreOptions {
  /** Ids kept (the newest); default 100,000. */
  maxEntries?: number;
  /** fsync after every add (default true): an id is remembered even after a power loss. */
  sync?: boolean;
}

export class FileDedupeStore implements DedupeStore {
  readonly #path: string;
  readonly #max: number;
  readonly #sync: boolean;
  readonly #ids = new Set<string>();
  #file: FileHandle;
  #lines: number;
  /** Writes one at a time, in order. */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(path: string, file: FileHandle, lines: number, opts: FileDedupeStoreOptions) {
    this.#path = path;
    this.#file = file;
    this.#lines = lines;
    this.#max = opts.maxEntries ?? 100_000;
    this.#sync = opts.sync ?? true;
  }

  static async open(path: string, options: FileDedupeStoreOptions = {}): Promise<FileDedupeStore> {
    const max = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError('maxEntries must be a positive integer');
    }
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const ids: string[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const id = (JSON.parse(line) as { id?: unknown }).id;
        if (typeof id === 'string') ids.push(id);
      } catch {
        // A torn last line: its add never returned, so forgetting it is safe.
      }
    }
    const file = await open(path, 'a');
    // A torn tail would glue the next line to it; start on a fresh line.
    if (text.length > 0 && !text.endsWith('\n')) await file.write('\n');
    const store = new FileDedupeStore(path, file, ids.length, options);
    for (const id of ids) store.#remember(id);
    return store;
  }

  get size(): number {
    return this.#ids.size;
  }

  has(eventId: string): boolean {
    return this.#ids.has(eventId);
  }

  add(eventId: string): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the dedupe store is closed'));
    const write = this.#queue.then(async () => {
      await this.#file.write(`${JSON.stringify({ id: eventId })}\n`);
      if (this.#sync) await this.#file.datasync();
      this.#lines += 1;
      this.#remember(eventId);
      if (this.#lines > this.#max * 2) await this.#compact();
    });
    // A failed write fails its add; the next one still runs.
    this.#queue = write.catch(() => {});
    return write;
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
    await this.#file.close();
  }

  #remember(id: string): void {
    this.#ids.delete(id);
    this.#ids.add(id);
    while (this.#ids.size > this.#max) {
      this.#ids.delete(this.#ids.values().next().value as string);
    }
  }

  async #compact(): Promise<void> {
    const tmp = `${this.#path}.compact`;
    const out = await open(tmp, 'w');
    try {
      let text = '';
      for (const id of this.#ids) text += `${JSON.stringify({ id })}\n`;
      await out.write(text);
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.#path);
    await this.#file.close();
    this.#file = await open(this.#path, 'a');
    this.#lines = this.#ids.size;
  }
}
