// The delivery baseline, run as a child process like Herald's sender: a bare
// undici Pool posting webhook-shaped bodies (the Events API event JSON of a
// 1 KB event) to the receiver with a fixed concurrency. Prints
// {"elapsedMs", "ok", "failed", "cpuMs"} on stdout (cpuMs: its user + system CPU time
// over the run; it is one thread's, as its work is all on the event loop).
// node bench/lib/bare-client.ts <receiver url> <count> <paths> <concurrency> <connections>
import { Pool } from 'undici';
import { event1k } from './load.ts';

const [url = '', countText = '0', pathsText = '1', concText = '10', connText = '10'] =
  process.argv.slice(2);
const count = Number(countText);
const paths = Number(pathsText);
const pool = new Pool(url, { connections: Number(connText), pipelining: 1 });
const created = new Date().toISOString();

function body(n: number): string {
  const e = event1k(n);
  return JSON.stringify({
    object: 'event',
    id: `event_bare_${n}`,
    event: e.event,
    data: e.data,
    created_at: created,
    sequence: n,
    context: { sequence: n, organization_id: e.organization_id },
    organization_id: e.organization_id,
  });
}

let next = 0;
let ok = 0;
let failed = 0;
const start = performance.now();
const cpuStart = process.cpuUsage();
await Promise.all(
  Array.from({ length: Number(concText) }, async () => {
    while (next < count) {
      const n = next++;
      try {
        const res = await pool.request({
          method: 'POST',
          path: `/bare-${n % paths}`,
          headers: { 'content-type': 'application/json' },
          body: body(n),
        });
        await res.body.dump();
        if (res.statusCode === 200) ok += 1;
        else failed += 1;
      } catch {
        failed += 1;
      }
    }
  }),
);
const elapsedMs = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
const cpuMs = (cpu.user + cpu.system) / 1000;
await pool.close();
process.stdout.write(`${JSON.stringify({ elapsedMs, ok, failed, cpuMs })}\n`);
