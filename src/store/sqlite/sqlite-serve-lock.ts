// One server per SQLite folder. A second server on the same folder would not
// see the first one's commits (wake-ups are in-process), so it is refused.
// The guarantee is an OS-level lock, held through SQLite's own file locking
// on herald.lock: the operating system drops it when the holder dies, even by
// kill -9, so there is never a stale lock to clean up. herald.pid (written
// once the lock is held) only names the holder in the refusal.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export class FolderInUseError extends Error {
  override name = 'FolderInUseError';
}

export interface ServeLock {
  release(): void;
}

export function acquireServeLock(dataDir: string): ServeLock {
  const lockPath = join(dataDir, 'herald.lock');
  const pidPath = join(dataDir, 'herald.pid');
  mkdirSync(dataDir, { recursive: true });
  const db = new DatabaseSync(lockPath, { timeout: 0 });
  try {
    // In exclusive locking mode the first write takes the file's exclusive
    // lock and keeps it until the connection closes.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('DELETE FROM holder');
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
    db.exec('COMMIT');
  } catch (err) {
    db.close();
    if (!/locked|busy/i.test((err as Error).message)) throw err;
    let holder = 'another process';
    try {
      const pid = readFileSync(pidPath, 'utf8').trim();
      if (/^\d+$/.test(pid)) holder = `process ${pid}`;
    } catch {
      // No pid file yet: the holder is starting.
    }
    throw new FolderInUseError(
      `${dataDir} is already served by herald (${holder}); stop it first or use another --data folder`,
    );
  }
  writeFileSync(pidPath, `${process.pid}\n`);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      rmSync(pidPath, { force: true });
      db.close();
    },
  };
}
