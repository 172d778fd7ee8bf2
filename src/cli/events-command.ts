// `herald events list|get|tail`: the Events API from the terminal.
import { Command } from 'commander';
import type { EventOut } from '../domain/event.ts';
import { compileEventFilter } from '../domain/event-filter.ts';
import { ApiError, type ApiOptions, addApiOptions, type HeraldApi, withApi } from './api-client.ts';
import { followEvents, headCursor } from './event-follower.ts';
import { parsePatterns } from './listen-command.ts';
import { col, printJson, printRecord, printTable, type Row } from './output.ts';

const EVENT_COLUMNS = [
  col('SEQUENCE', 'sequence'),
  col('ID', 'id'),
  col('TYPE', 'event'),
  col('ORGANIZATION', 'organization_id'),
  col('CREATED', 'created_at'),
];

interface EventList {
  data: EventOut[];
  list_metadata: { after: string | null };
}

/**
 * GET /events/{id} where the server has it. Older servers answer "no route":
 * then the event is found through the list's cursor, exactly and in two
 * requests: the event before it (desc after it), then the one after that.
 */
export async function getEvent(api: HeraldApi, id: string): Promise<EventOut> {
  try {
    return await api.get<EventOut>(`/events/${encodeURIComponent(id)}`);
  } catch (err) {
    if (
      !(err instanceof ApiError && err.status === 404 && /no route/.test(err.problem.detail ?? ''))
    )
      throw err;
  }
  const before = await api.get<EventList>('/events', { after: id, order: 'desc', limit: 1 });
  const prev = before.data[0]?.id;
  const page = await api.get<EventList>('/events', { after: prev, limit: 1 });
  const event = page.data[0];
  if (event?.id !== id) {
    throw new ApiError(
      404,
      { title: 'Not Found', detail: `no event ${id}` },
      'GET',
      `/events/${id}`,
    );
  }
  return event;
}

export function eventsCommand(): Command {
  const events = new Command('events').description('read the event log');

  const list = new Command('list')
    .description('list events in order, a page at a time')
    .option('--events <types>', 'only these types, comma-separated')
    .option('--organization <id>', 'only events of this organization')
    .option('--after <id>', 'cursor: events after this id')
    .option('--limit <n>', 'page size, 1 to 100', '10')
    .option('--order <order>', 'asc or desc', 'asc')
    .option('--since <time>', 'only events created at or after this ISO 8601 time')
    .option('--until <time>', 'only events created before this ISO 8601 time');
  addApiOptions(list).action(
    async (
      opts: ApiOptions & {
        events?: string;
        organization?: string;
        after?: string;
        limit: string;
        order: string;
        since?: string;
        until?: string;
      },
    ) => {
      await withApi(list, opts, async (api) => {
        const page = await api.get<EventList>('/events', {
          events: opts.events,
          organization_id: opts.organization,
          after: opts.after,
          limit: opts.limit,
          order: opts.order,
          range_start: opts.since,
          range_end: opts.until,
        });
        if (opts.json) return printJson(page);
        printTable(page.data as unknown as Row[], EVENT_COLUMNS);
        if (page.list_metadata.after && page.data.length === Number(opts.limit)) {
          process.stderr.write(`more: --after ${page.list_metadata.after}\n`);
        }
      });
    },
  );

  const get = new Command('get').description('show one event').argument('<id>', 'event id');
  addApiOptions(get).action(async (id: string, opts: ApiOptions) => {
    await withApi(get, opts, async (api) => {
      const e = await getEvent(api, id);
      if (opts.json) return printJson(e);
      printRecord(e as unknown as Row, ['object', 'context', 'data']);
      process.stdout.write(`data\n${JSON.stringify(e.data, null, 2)}\n`);
    });
  });

  const tail = new Command('tail')
    .description('print events as they commit, from now (or after --after) until ^C')
    .option('--events <types>', 'only these types or wildcards, comma-separated')
    .option('--organization <id>', 'only events of this organization')
    .option('--after <id>', 'start after this event instead of now');
  addApiOptions(tail).action(
    async (opts: ApiOptions & { events?: string; organization?: string; after?: string }) => {
      const patterns = parsePatterns(tail, opts.events);
      const matches = compileEventFilter(patterns ?? ['*']);
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await withApi(tail, opts, async (api) => {
          const after = opts.after ?? (await headCursor(api, abort.signal));
          process.stderr.write(
            `tailing ${api.baseUrl} after ${after ?? 'the start'} (^C to quit)\n`,
          );
          const pages = followEvents(api, {
            after,
            types: null,
            organizationId: opts.organization ?? null,
            signal: abort.signal,
            onConnection: (state, detail) =>
              process.stderr.write(
                state === 'lost' ? `connection lost (${detail}); reconnecting\n` : 'reconnected\n',
              ),
          });
          for await (const page of pages) {
            for (const e of page) {
              if (!matches(e.event)) continue;
              process.stdout.write(
                opts.json
                  ? `${JSON.stringify(e)}\n`
                  : `${e.created_at}  ${e.sequence}  ${e.event}  ${e.id}\n`,
              );
            }
          }
        });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    },
  );

  return events.addCommand(list).addCommand(get).addCommand(tail);
}
