// `herald replay ENDPOINT --since T`: sends an endpoint's events again (or
// requeues its failed deliveries with --failed), then follows the endpoint's
// open deliveries until the replayed backlog is delivered.
import { Command } from 'commander';
import { ApiError, type ApiOptions, addApiOptions, withApi } from './api-client.ts';
import { printJson } from './output.ts';

const POLL_MS = 500;

interface Health {
  state: 'active' | 'disabled';
  consecutive_failures: number;
  backlog: { deliveries: number };
}

function isoTime(cmd: Command, flag: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    cmd.error(`${flag} "${v}" is not an ISO 8601 time`, { exitCode: 2 });
  return d.toISOString();
}

export function replayCommand(): Command {
  const cmd = new Command('replay')
    .description(
      'send the events of [--since, --until) to an endpoint again, and wait until delivered',
    )
    .argument('<endpoint>', 'endpoint id (ep_…)')
    .requiredOption('--since <time>', 'ISO 8601 time: events published at or after it')
    .option('--until <time>', 'ISO 8601 time: events published before it (default: now)')
    .option('--failed', 'requeue the failed deliveries created in the window instead', false)
    .option('--no-wait', 'return once the replay is queued')
    .option('--timeout <seconds>', 'give up waiting after this long (exit 1)');
  addApiOptions(cmd).action(
    (
      endpoint: string,
      opts: ApiOptions & {
        since: string;
        until?: string;
        failed: boolean;
        wait: boolean;
        timeout?: string;
      },
    ) => {
      const since = isoTime(cmd, '--since', opts.since);
      const until = isoTime(cmd, '--until', opts.until);
      const timeoutMs = opts.timeout === undefined ? null : Number(opts.timeout) * 1000;
      if (timeoutMs !== null && !(timeoutMs > 0)) {
        cmd.error(`--timeout "${opts.timeout}" must be a positive number of seconds`, {
          exitCode: 2,
        });
      }
      return withApi(cmd, opts, async (api) => {
        const path = `/endpoints/${encodeURIComponent(endpoint)}`;
        const r = await api.post<{ deliveries: number }>(`${path}/replay`, {
          since,
          ...(until ? { until } : {}),
          ...(opts.failed ? { status: 'failed' } : {}),
        });
        const total = r.deliveries;
        const log = (s: string) => process.stderr.write(`${s}\n`);
        log(`replay: ${total} deliveries queued for ${endpoint}`);
        let open = total;
        if (opts.wait && total > 0) {
          const started = Date.now();
          let last = '';
          for (;;) {
            const h = await api.get<Health>(`${path}/health`);
            open = h.backlog.deliveries;
            if (h.state === 'disabled') {
              log(`replay: ${endpoint} is disabled; the deliveries are sent once it is enabled`);
              break;
            }
            const line = `replay: ${Math.max(0, total - open)}/${total} delivered, ${open} open${h.consecutive_failures > 0 ? `, ${h.consecutive_failures} consecutive failures` : ''}`;
            if (line !== last) log(line);
            last = line;
            if (open === 0) break;
            if (timeoutMs !== null && Date.now() - started > timeoutMs) {
              throw new ApiError(
                504,
                {
                  title: 'Timeout',
                  detail: `${open} deliveries still open after ${opts.timeout} s`,
                },
                'GET',
                `${path}/health`,
              );
            }
            await new Promise((res) => setTimeout(res, POLL_MS));
          }
        }
        if (opts.json)
          printJson({ object: 'replay', endpoint_id: endpoint, deliveries: total, open });
      });
    },
  );
  return cmd;
}
