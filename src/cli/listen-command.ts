// `herald listen`: like `stripe listen`, forwards a Herald's events to a local
// URL over an outbound connection only (long polls on the Events API), so no
// public URL, tunnel or --allow-private-endpoints is needed.
//
// Each event is forwarded once, in order, one at a time, and the bookmark
// moves past it whatever the local server answered: like the Stripe CLI, a
// failed forward is printed and not retried (a local handler under
// development usually fails the same way again; fix it and resend with
// `herald events get` / a real endpoint's retry). A restart resumes after the
// last event handled; only a crash (SIGKILL) between a forward and the
// bookmark write can forward that one event again.
import { Command } from 'commander';
import type { EventOut } from '../domain/event.ts';
import { compileEventFilter, isValidEventPattern } from '../domain/event-filter.ts';
import { ApiError, addApiOptions, apiFromOptions } from './api-client.ts';
import { followEvents, headCursor } from './event-follower.ts';
import { Forwarder } from './forwarder.ts';
import { BookmarkFile, defaultStateDir, listenSecret, STATE_DIR_ENV } from './listen-state.ts';

interface ListenOptions {
  url: string;
  apiKey?: string;
  forwardTo?: string;
  events?: string;
  organization?: string;
  printJson: boolean;
  stateDir: string;
}

export function parsePatterns(cmd: Command, raw: string | undefined): string[] | null {
  if (raw === undefined) return null;
  const patterns = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const bad = patterns.find((p) => !isValidEventPattern(p));
  if (patterns.length === 0 || bad !== undefined) {
    cmd.error(
      `--events "${raw}": ${bad === undefined ? 'no event types' : `"${bad}" is not an event type or wildcard such as user.created, user.* or *`}`,
      { exitCode: 2 },
    );
  }
  return patterns;
}

function stamp(d = new Date()): string {
  return d.toISOString().replace('T', ' ').slice(0, 23);
}

export function listenCommand(): Command {
  const cmd = new Command('listen')
    .description('forward events from a Herald to a local URL, signed like a real delivery')
    .option('--forward-to <url>', 'local URL to POST each event to')
    .option('--events <types>', 'only these types or wildcards, comma-separated: user.*,order.paid')
    .option('--organization <id>', 'only events of this organization')
    .option('--print-json', 'forward nothing; print each event as one JSON line', false)
    .option(
      '--state-dir <dir>',
      `where bookmarks are kept (env ${STATE_DIR_ENV})`,
      defaultStateDir(),
    );
  addApiOptions(cmd, { json: false }).action(async (opts: ListenOptions) => {
    const patterns = parsePatterns(cmd, opts.events);
    if (!opts.printJson && !opts.forwardTo) {
      cmd.error('listen needs --forward-to <url> (or --print-json)', { exitCode: 2 });
    }
    if (opts.forwardTo) {
      let u: URL | null = null;
      try {
        u = new URL(opts.forwardTo);
      } catch {}
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
        cmd.error(`--forward-to "${opts.forwardTo}" must be an http or https URL`, {
          exitCode: 2,
        });
      }
    }
    const api = apiFromOptions(cmd, opts);
    const matches = compileEventFilter(patterns ?? ['*']);
    // The Events API filters exact types; wildcards are matched here.
    const serverTypes = patterns && !patterns.some((p) => p.includes('*')) ? patterns : null;

    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);

    const forwardTo = opts.printJson ? null : (opts.forwardTo as string);
    const secret = forwardTo ? listenSecret(opts.apiKey as string, forwardTo) : null;
    const bookmarks = forwardTo
      ? new BookmarkFile(opts.stateDir, api.baseUrl, opts.apiKey as string, forwardTo)
      : null;
    const forwarder = forwardTo && secret ? new Forwarder(forwardTo, secret) : null;
    const saved = bookmarks?.load() ?? null;
    const onConnection = (state: 'lost' | 'back', detail: string) =>
      process.stderr.write(
        state === 'lost'
          ? `${stamp()}  lost the connection to Herald (${detail}); reconnecting\n`
          : `${stamp()}  reconnected\n`,
      );
    try {
      const after = saved ? saved.after : await headCursor(api, abort.signal, onConnection);
      if (abort.signal.aborted) return;
      if (secret) {
        process.stderr.write(
          `Ready! Your webhook signing secret is ${secret}\n` +
            `Forwarding events from ${api.baseUrl} to ${forwardTo}, ${saved ? `resuming after ${saved.after}` : 'starting now'} (^C to quit)\n`,
        );
      } else {
        process.stderr.write(`Ready! Printing events from ${api.baseUrl} (^C to quit)\n`);
      }

      const remember = (e: EventOut) =>
        bookmarks?.save({
          herald_url: api.baseUrl,
          forward_to: forwardTo as string,
          after: e.id,
          sequence: e.sequence,
          updated_at: new Date().toISOString(),
        });
      const pages = followEvents(api, {
        after,
        types: serverTypes,
        organizationId: opts.organization ?? null,
        signal: abort.signal,
        onConnection,
      });
      for await (const page of pages) {
        let skipped: EventOut | null = null;
        for (const e of page) {
          // A forward in progress is finished and bookmarked before stopping.
          if (abort.signal.aborted) break;
          if (!matches(e.event)) {
            skipped = e;
            continue;
          }
          skipped = null;
          if (!forwarder) {
            process.stdout.write(`${JSON.stringify(e)}\n`);
            continue;
          }
          const r = await forwarder.forward(e);
          remember(e);
          const outcome = r.status !== null ? `[${r.status}]` : `[ERR] ${r.error}`;
          process.stdout.write(`${stamp()}  ${e.event}  ${e.id}  ${outcome}  ${r.latencyMs} ms\n`);
        }
        if (skipped) remember(skipped);
      }
    } catch (err) {
      // The bookmarked event is gone (retention): say how to start afresh.
      if (err instanceof ApiError && err.status === 410 && saved && bookmarks) {
        err.message += `; the bookmark in ${bookmarks.path} is older than the retention: delete it to start from now`;
      }
      throw err;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await forwarder?.close();
      await api.close();
    }
  });
  return cmd;
}
