// Same-run peers for the delivery scenario: hand-rolled webhook senders on
// pg-boss (PostgreSQL) and BullMQ (Redis), each doing Herald's job for one
// endpoint (see peer-child.ts), plus the bare undici client both are compared
// with. Nothing here imports Herald's code except its webhook signer (in the
// child), so `node bench/peers.ts` runs while Herald is broken.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, escapeIdentifier } from 'pg';
import type { BenchReceiver } from './receiver.ts';
import { type RedisServer, redisServerBinary, startRedisServer } from './redis-server.ts';
import { ROOT } from './server-process.ts';
import { fmt } from './stats.ts';

export type PeerKind = 'pgboss' | 'bullmq';
export type PeerClock = 'backlog' | 'publish';

/** The pg-boss schema, dropped when the peers start and when they stop. */
export const PGBOSS_SCHEMA = 'bench_pgboss';
/** Connections of the bare client's Pool and of the peers' (Herald's sender: 10 per origin). */
export const BARE_CONNECTIONS = 10;

function pgUrl(): string {
  return process.env.HERALD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

function pkgVersion(name: string): string {
  const file = join(ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * `--peer-clock=publish` times the peers from their first publish with the
 * worker already running; the default (`backlog`) publishes first and times
 * from the worker's start, as the scenario times Herald from enabling its
 * endpoints over a published backlog.
 */
export function peerClockFromArgv(): PeerClock {
  return process.argv.includes('--peer-clock=publish') ? 'publish' : 'backlog';
}

/** The bare undici client (bench/lib/bare-client.ts) as a child process. */
export function runBareClient(url: string, count: number, paths: number, concurrency: number) {
  return new Promise<{ elapsedMs: number; ok: number; failed: number; cpuMs: number }>(
    (resolve, reject) => {
      const args = [String(count), String(paths), String(concurrency), String(BARE_CONNECTIONS)];
      const child = spawn(process.execPath, ['bench/lib/bare-client.ts', url, ...args], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      child.once('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`bare client exited ${code}`)),
      );
    },
  );
}

export interface PeerRun {
  /** Deliveries/s by the chosen clock (see peerClockFromArgv). */
  rate: number;
  /** Deliveries/s from the first publish to the last arrival, publish included. */
  firstPublishRate: number;
  publishMs: number;
  loss: number;
}

interface Message {
  type: string;
  [k: string]: unknown;
}

async function dropSchema(): Promise<void> {
  const c = new Client({ connectionString: pgUrl(), connectionTimeoutMillis: 3000 });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(PGBOSS_SCHEMA)} CASCADE`);
  } finally {
    await c.end().catch(() => {});
  }
}

export class Peers {
  readonly clock: PeerClock;
  /** Runnable peers with their table labels. */
  readonly available: { kind: PeerKind; label: string }[] = [];
  /** Peers that cannot run here, and why. */
  readonly skipped: { kind: PeerKind; label: string; reason: string }[] = [];
  private redis: RedisServer | null = null;

  /** Every peer, runnable or not (then with its reason). */
  all(): { kind: PeerKind; label: string; reason?: string }[] {
    return [...this.available, ...this.skipped];
  }

  private constructor(clock: PeerClock) {
    this.clock = clock;
  }

  /** Drops pg-boss's schema and starts Redis; a peer whose store is missing is skipped. */
  static async start(clock: PeerClock, log: (msg: string) => void): Promise<Peers> {
    const p = new Peers(clock);
    const pgLabel = `pg-boss ${pkgVersion('pg-boss')} (PostgreSQL)`;
    try {
      await dropSchema();
      p.available.push({ kind: 'pgboss', label: pgLabel });
    } catch (err) {
      p.skipped.push({ kind: 'pgboss', label: pgLabel, reason: `PostgreSQL: ${errText(err)}` });
    }
    const bin = redisServerBinary();
    let bullLabel = `BullMQ ${pkgVersion('bullmq')} (Redis)`;
    if (!bin) {
      p.skipped.push({
        kind: 'bullmq',
        label: bullLabel,
        reason: 'redis-server not found (apt-get install -y redis-server, or BENCH_REDIS_SERVER)',
      });
    } else {
      try {
        const v = /v=(\S+)/.exec(execFileSync(bin, ['--version'], { encoding: 'utf8' }))?.[1];
        bullLabel = `BullMQ ${pkgVersion('bullmq')} (Redis ${v ?? '?'}, AOF everysec)`;
        p.redis = await startRedisServer(bin);
        p.available.push({ kind: 'bullmq', label: bullLabel });
      } catch (err) {
        p.skipped.push({ kind: 'bullmq', label: bullLabel, reason: `Redis: ${errText(err)}` });
      }
    }
    // `--peers=pgboss` (or bullmq) runs only those.
    const only = process.argv.find((a) => a.startsWith('--peers='))?.slice('--peers='.length);
    if (only) {
      const keep = only.split(',');
      for (const list of [p.available, p.skipped] as { kind: PeerKind }[][]) {
        for (let i = list.length - 1; i >= 0; i--) {
          if (!keep.includes((list[i] as { kind: PeerKind }).kind)) list.splice(i, 1);
        }
      }
    }
    for (const s of p.skipped) log(`   peer ${s.label} skipped: ${s.reason}`);
    return p;
  }

  /** One measured run of a peer: `count` deliveries to `rx` on path `/<kind>-<tag>`. */
  async run(kind: PeerKind, rx: BenchReceiver, count: number, tag: string): Promise<PeerRun> {
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      BENCH_PG_URL: pgUrl(),
      BENCH_PGBOSS_SCHEMA: PGBOSS_SCHEMA,
      BENCH_REDIS_PORT: String(this.redis?.port ?? 0),
    };
    const child: ChildProcess = spawn(
      process.execPath,
      ['bench/lib/peer-child.ts', kind, rx.url, `/${kind}-${tag}`, String(count), tag, this.clock],
      { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    const deadline = Date.now() + 150_000 + count * 10;
    const inbox: Message[] = [];
    let wake: (() => void) | null = null;
    let exited: number | null | undefined;
    child.on('message', (m: Message) => {
      inbox.push(m);
      wake?.();
    });
    const exit = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        exited = code ?? (signal ? -1 : null);
        wake?.();
        resolve();
      }),
    );
    const next = async (type: string): Promise<Message> => {
      for (;;) {
        const i = inbox.findIndex((m) => m.type === type);
        if (i >= 0) return inbox.splice(i, 1)[0] as Message;
        if (exited !== undefined) throw new Error(`peer ${kind} exited ${exited} before '${type}'`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`peer ${kind}: no '${type}' before the deadline`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.min(left, 1_000));
          wake = () => {
            clearTimeout(t);
            r();
          };
        });
      }
    };
    let clean = false;
    try {
      await next('ready');
      rx.reset();
      const firstPublish = performance.now();
      let start = firstPublish;
      child.send({ type: 'publish' });
      const published = await next('published');
      if (this.clock === 'backlog') {
        start = performance.now();
        child.send({ type: 'go' });
      }
      await rx.waitForDistinct(count, 60_000 + count * 5);
      const end = performance.now();
      const distinct = rx.distinct;
      child.send({ type: 'finish' });
      const done = await next('done');
      const completed = Number(done.completed);
      const loss =
        Math.max(count - distinct, count - completed) +
        Number(done.postFailed) +
        Number(done.other);
      clean = true;
      return {
        rate: (distinct * 1000) / (end - start),
        firstPublishRate: (distinct * 1000) / (end - firstPublish),
        publishMs: Number(published.publishMs),
        loss,
      };
    } finally {
      if (!clean) child.kill('SIGKILL');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      if (exited === undefined) await exit;
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    await this.redis?.stop();
    this.redis = null;
    if (this.available.some((p) => p.kind === 'pgboss')) await dropSchema().catch(() => {});
  }
}

export function describePeerRun(label: string, rep: number, r: PeerRun, clock: PeerClock): string {
  const main =
    clock === 'backlog' ? 'worker start → last received' : 'first publish → last received';
  return (
    `peer ${label} rep ${rep}: ${fmt(r.rate)}/s (${main}); publish ${fmt(r.publishMs)} ms, ` +
    `first publish → last received ${fmt(r.firstPublishRate)}/s; loss ${r.loss}`
  );
}

function errText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
