// What `herald listen` keeps between runs: the signing secret it shows and
// signs with, and the bookmark of the last event it handled.
//
// The secret is derived, not stored: HMAC-SHA256 keyed by the API key over the
// forward URL. The same key and URL give the same whsec_ on every machine and
// after every restart (so a receiver configured once keeps verifying), a
// different URL or key gives another one, and nothing secret is written to disk.
// Whoever holds the API key can recompute it, but they can read the events anyway.
//
// The bookmark is a small JSON file per (Herald URL, API key, forward URL) in
// the state directory, written atomically (temp file + rename) after each
// forward. It never contains the key, only a hash of it in the file name.
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { WEBHOOK_SECRET_PREFIX } from '../domain/signature.ts';

export const STATE_DIR_ENV = 'HERALD_LISTEN_STATE_DIR';

export function defaultStateDir(): string {
  return process.env[STATE_DIR_ENV] || join(homedir(), '.herald', 'listen');
}

export function listenSecret(apiKey: string, forwardTo: string): string {
  const key = createHmac('sha256', apiKey).update(`herald-listen:${forwardTo}`).digest();
  return WEBHOOK_SECRET_PREFIX + key.toString('base64');
}

export interface Bookmark {
  herald_url: string;
  forward_to: string;
  /** Id of the last event forwarded or skipped by the filter; the next run starts after it. */
  after: string;
  sequence: number;
  updated_at: string;
}

export class BookmarkFile {
  readonly path: string;

  constructor(dir: string, heraldUrl: string, apiKey: string, forwardTo: string) {
    const hash = createHash('sha256')
      .update(`${heraldUrl}\0${apiKey}\0${forwardTo}`)
      .digest('hex')
      .slice(0, 24);
    this.path = join(dir, `${hash}.json`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  load(): Bookmark | null {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const b = JSON.parse(text) as Partial<Bookmark>;
    if (typeof b.after !== 'string') throw new Error(`${this.path} holds no bookmark`);
    return b as Bookmark;
  }

  save(b: Bookmark): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(b, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
