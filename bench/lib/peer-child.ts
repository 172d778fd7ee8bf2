// A delivery peer, run as a child process like Herald's sender and the bare
// client: a hand-rolled webhook sender on an off-the-shelf job queue doing
// Herald's job. N stored events (the 1 KB bench event) are published as one
// job per delivery in batches of 500; a worker keeps 10 signed (Standard
// Webhooks, HMAC-SHA256 with Herald's own signer) POSTs in flight to one
// endpoint through an undici Pool of 10 connections, and each delivery's
// outcome is stored by the queue (job completed with the status code).
//
//   pgboss: pg-boss on PostgreSQL (schema BENCH_PGBOSS_SCHEMA), insert() of
//     500, work() with perJobResults and burstWhenBatchFull.
//   bullmq: BullMQ on Redis (BENCH_REDIS_PORT), addBulk() of 500, a Worker
//     with concurrency 10, completed jobs kept with their return value.
//
// node bench/lib/peer-child.ts <pgboss|bullmq> <receiver url> <path> <count> <tag> <backlog|publish>
// Driven over IPC by bench/lib/peers.ts: child → {ready}, parent → {publish},
// child → {published, publishMs}, parent → {go} (backlog clock only), parent →
// {finish} once the receiver has every id; child → {done, …} and exits.
// `backlog` publishes with no worker running and starts the worker on {go}
// (what the delivery scenario does to Herald: endpoints enabled over a
// backlog); `publish` starts the worker first and publishes while it runs.
import { Queue, Worker } from 'bullmq';
import { PgBoss } from 'pg-boss';
import { Webhook } from 'standardwebhooks';
import { Pool } from 'undici';
import { generateSecret, webhookHeaders } from '../../src/domain/signature.ts';
import { event1k } from './load.ts';

type Kind = 'pgboss' | 'bullmq';
const [kindArg, url = '', path = '/', countText = '0', tag = 'peer', clock = 'backlog'] =
  process.argv.slice(2);
const kind = kindArg as Kind;
const count = Number(countText);
const IN_FLIGHT = 10;
const CONNECTIONS = 10;
const BATCH = 500;
const PUBLISH_CONCURRENCY = 4;
// Hard bound on the whole child; the parent has its own too.
const DEADLINE_MS = 120_000 + count * 10;
const hardStop = setTimeout(() => {
  process.stderr.write(`peer ${kind}: deadline of ${DEADLINE_MS} ms passed\n`);
  process.exit(3);
}, DEADLINE_MS);
hardStop.unref();

if (kind !== 'pgboss' && kind !== 'bullmq') throw new Error(`unknown peer ${kindArg}`);
if (!process.send) throw new Error('peer-child needs an IPC channel');

interface StoredEvent {
  id: string;
  event: string;
  data: unknown;
  created_at: string;
  sequence: number;
  organization_id: string;
}

const created = new Date().toISOString();
function stored(n: number): StoredEvent {
  const e = event1k(n);
  return {
    id: `event_${tag}_${n}`,
    event: e.event as string,
    data: e.data,
    created_at: created,
    sequence: n,
    organization_id: e.organization_id as string,
  };
}

const secret = generateSecret();
const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1 });
let posted = 0;
let postFailed = 0;
let verified = false;

/** One delivery: the Events API body of the event, signed, POSTed; resolves with the status. */
async function deliver(e: StoredEvent): Promise<number> {
  const body = JSON.stringify({
    object: 'event',
    id: e.id,
    event: e.event,
    data: e.data,
    created_at: e.created_at,
    sequence: e.sequence,
    context: { sequence: e.sequence, organization_id: e.organization_id },
    organization_id: e.organization_id,
  });
  const headers = webhookHeaders({
    msgId: e.id,
    timestamp: Math.floor(Date.now() / 1000),
    body,
    secrets: [secret],
  });
  if (!verified) {
    // Once per run: the signature is what a Standard Webhooks receiver accepts.
    new Webhook(secret).verify(body, headers);
    verified = true;
  }
  const res = await pool.request({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  await res.body.dump();
  if (res.statusCode >= 200 && res.statusCode < 300) posted += 1;
  else postFailed += 1;
  return res.statusCode;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function limited<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

async function publishAll(insert: (from: number, size: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PUBLISH_CONCURRENCY }, async () => {
      while (next < count) {
        const from = next;
        const size = Math.min(BATCH, count - from);
        next += size;
        await insert(from, size);
      }
    }),
  );
}

interface Peer {
  publish(): Promise<void>;
  startWorker(): Promise<void>;
  /** Durable outcomes: deliveries stored as completed, and any other state. */
  outcomes(): Promise<{ completed: number; other: number }>;
  close(): Promise<void>;
}

async function pgBossPeer(): Promise<Peer> {
  const schema = process.env.BENCH_PGBOSS_SCHEMA ?? 'bench_pgboss';
  const boss = new PgBoss({
    connectionString: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    schema,
    application_name: 'herald-bench-pgboss',
  });
  boss.on('error', (err) => process.stderr.write(`pg-boss: ${err.message}\n`));
  await boss.start();
  const queue = `delivery_${tag}`.replace(/[^A-Za-z0-9_]/g, '_');
  await boss.createQueue(queue);
  // 10 in flight = workers × posts in flight per worker; each worker claims a
  // batch, keeps its share of posts going, and settles the batch per job.
  const workers = Number(process.env.BENCH_PGBOSS_WORKERS ?? 2);
  const batchSize = Number(process.env.BENCH_PGBOSS_BATCH ?? 100);
  const perWorker = Math.max(1, Math.floor(IN_FLIGHT / workers));
  return {
    publish: () =>
      publishAll(async (from, size) => {
        const jobs = Array.from({ length: size }, (_, i) => ({ data: stored(from + i) }));
        await boss.insert(queue, jobs);
      }),
    async startWorker() {
      await boss.work<StoredEvent>(
        queue,
        {
          batchSize,
          localConcurrency: workers,
          burstWhenBatchFull: true,
          pollingIntervalSeconds: 0.5,
          perJobResults: true,
        },
        (jobs) =>
          limited(jobs, perWorker, async (job) => {
            try {
              const status = await deliver(job.data);
              const ok = status >= 200 && status < 300;
              return { id: job.id, status: ok ? 'completed' : 'failed', output: { status } };
            } catch (err) {
              postFailed += 1;
              return { id: job.id, status: 'failed', output: { error: String(err) } };
            }
          }),
      );
    },
    async outcomes() {
      const rows = await boss.getDb().executeSql(
        `SELECT count(*) FILTER (WHERE state = 'completed' AND (output->>'status')::int = 200) AS completed,
                  count(*) FILTER (WHERE NOT (state = 'completed' AND (output->>'status')::int = 200)) AS other
             FROM ${schema}.job WHERE name = $1`,
        [queue],
      );
      const r = rows.rows[0] as { completed: string; other: string };
      return { completed: Number(r.completed), other: Number(r.other) };
    },
    close: () => boss.stop({ graceful: true, close: true, timeout: 10_000 }),
  };
}

async function bullPeer(): Promise<Peer> {
  const connection = {
    host: '127.0.0.1',
    port: Number(process.env.BENCH_REDIS_PORT),
    maxRetriesPerRequest: null,
  };
  const name = `delivery-${tag}`;
  const queue = new Queue<StoredEvent>(name, {
    connection,
    defaultJobOptions: { removeOnComplete: false, removeOnFail: false, attempts: 3 },
  });
  await queue.waitUntilReady();
  const worker = new Worker<StoredEvent, { status: number }>(
    name,
    async (job) => {
      const status = await deliver(job.data);
      if (status < 200 || status >= 300) throw new Error(`receiver answered ${status}`);
      return { status };
    },
    { connection, concurrency: IN_FLIGHT, autorun: false },
  );
  worker.on('error', (err) => process.stderr.write(`bullmq worker: ${err.message}\n`));
  await worker.waitUntilReady();
  return {
    publish: () =>
      publishAll(async (from, size) => {
        await queue.addBulk(
          Array.from({ length: size }, (_, i) => ({ name: 'deliver', data: stored(from + i) })),
        );
      }),
    async startWorker() {
      worker.run().catch((err) => process.stderr.write(`bullmq run: ${err}\n`));
    },
    async outcomes() {
      const c = await queue.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed');
      const completed = c.completed ?? 0;
      const total = Object.values(c).reduce((s, v) => s + v, 0);
      return { completed, other: total - completed };
    },
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}

const send = (msg: Record<string, unknown>) =>
  new Promise<void>((resolve, reject) =>
    process.send?.(msg, undefined, undefined, (err) => (err ? reject(err) : resolve())),
  );
const messages: Record<string, unknown>[] = [];
let wake: (() => void) | null = null;
process.on('message', (m: Record<string, unknown>) => {
  messages.push(m);
  wake?.();
});
async function awaitMessage(type: string): Promise<void> {
  for (;;) {
    const i = messages.findIndex((m) => m.type === type);
    if (i >= 0) {
      messages.splice(i, 1);
      return;
    }
    await new Promise<void>((r) => {
      wake = r;
    });
  }
}

const peer = kind === 'pgboss' ? await pgBossPeer() : await bullPeer();
try {
  await send({ type: 'ready' });
  await awaitMessage('publish');
  if (clock === 'publish') await peer.startWorker();
  const t0 = performance.now();
  await peer.publish();
  const publishMs = performance.now() - t0;
  await send({ type: 'published', publishMs });
  if (clock !== 'publish') {
    await awaitMessage('go');
    await peer.startWorker();
  }
  await awaitMessage('finish');
  // The receiver has every id; wait (bounded) until every outcome is stored.
  const end = Date.now() + 30_000;
  let o = await peer.outcomes();
  while (o.completed < count && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    o = await peer.outcomes();
  }
  await send({ type: 'done', publishMs, posted, postFailed, ...o });
} finally {
  await pool.close();
  await peer.close();
}
clearTimeout(hardStop);
process.disconnect();
