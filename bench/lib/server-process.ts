// Runs a server as a child process on the pinned Node (process.execPath), so
// the load generator in the bench process and the server use separate cores.
// Samples the child's memory from /proc/<pid>/status.
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { sleep } from './stats.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Memory of a process in KB: current resident set and its high-water mark. */
export function memoryKb(pid: number): { rss: number; hwm: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1]);
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return { rss: Number.NaN, hwm: Number.NaN };
  }
}

/**
 * User + system CPU time so far, in ms, of a process's main thread (the one
 * running its event loop: task id = pid) from /proc/<pid>/task/<pid>/stat; NaN
 * where there is no /proc. When the loop is saturated its CPU per webhook is
 * what bounds webhooks/s, and it moves much less than webhooks/s when other
 * work shares the machine's cores.
 */
export function loopCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** sysconf(_SC_CLK_TCK): 100 on every Linux Node runs on. */
const CLOCK_TICKS = 100;

export interface ChildServer {
  url: string;
  pid: number;
  /** Peak VmRSS seen by the sampler, and VmHWM at the last sample, in KB. */
  peakRssKb(): number;
  memory(): { rss: number; hwm: number };
  stderr(): string;
  stop(): Promise<void>;
}

/** Extra node flags for server children, e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof". */
function nodeArgs(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0);
}

async function startChild(args: string[], env: Record<string, string>, port: number) {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs(), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: [
      'ignore',
      process.env.BENCH_SERVER_STDOUT ? openSync(process.env.BENCH_SERVER_STDOUT, 'w') : 'ignore',
      'pipe',
    ],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited at start: ${stderr.trim()}`);
    try {
      const res = await request(`${url}/healthz`);
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready: ${stderr.trim()}`);
    }
    await sleep(50);
  }
  const pid = child.pid as number;
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryKb(pid).rss || 0);
  }, 100);
  sampler.unref();
  return {
    url,
    pid,
    peakRssKb: () => Math.max(peak, memoryKb(pid).rss || 0),
    memory: () => memoryKb(pid),
    stderr: () => stderr,
    async stop() {
      clearInterval(sampler);
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The Node flags `npm start` runs Herald with (package.json), so the bench
 * measures the process users run, heap settings included.
 */
export function startScriptNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  // `exec` makes the shell npm runs the script in become Node (signals reach Herald).
  const words = pkg.scripts.start.split(/\s+/).filter((w) => w !== 'exec');
  if (words[0] !== 'node') throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  return words.slice(1).filter((w) => w.startsWith('--'));
}

/** `herald serve` on the given storage environment, with private endpoints allowed. */
export async function startHeraldServer(env: Record<string, string>): Promise<ChildServer> {
  const port = await freePort();
  return startChild(
    [
      ...startScriptNodeFlags(),
      'src/cli/main.ts',
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--log-level',
      'warn',
      '--allow-private-endpoints',
    ],
    env,
    port,
  );
}

/** The framework-only baseline: the same Fastify answering without storing. */
export async function startBaselineServer(): Promise<ChildServer> {
  const port = await freePort();
  return startChild(['bench/lib/baseline-server.ts', String(port)], {}, port);
}
