// `herald deliveries list|get|retry`: an endpoint's delivery log and attempts.
import { Command } from 'commander';
import { type ApiOptions, addApiOptions, withApi } from './api-client.ts';
import { col, printJson, printRecord, printTable, type Row } from './output.ts';

export function deliveryRecord(opts: ApiOptions, d: Row): void {
  if (opts.json) printJson(d);
  else printRecord(d, ['object', 'attempts']);
}

const DELIVERY_COLUMNS = [
  col('ID', 'id'),
  col('STATUS', 'status'),
  col('KIND', 'kind'),
  col('ATTEMPTS', 'attempt_count'),
  {
    header: 'SEQUENCE',
    value: (r: Row) =>
      r.first_sequence === r.last_sequence
        ? r.first_sequence
        : `${r.first_sequence}-${r.last_sequence}`,
  },
  col('EVENTS', 'event_ids'),
  col('UPDATED', 'updated_at'),
];

const ATTEMPT_COLUMNS = [
  col('ATTEMPTED', 'attempted_at'),
  col('STATUS', 'response_status'),
  { header: 'LATENCY', value: (r: Row) => `${r.latency_ms} ms` },
  col('ERROR', 'error'),
];

export function deliveriesCommand(): Command {
  const deliveries = new Command('deliveries').description('inspect and retry deliveries');

  const list = new Command('list')
    .description("list an endpoint's deliveries, newest first")
    .argument('<endpoint>', 'endpoint id (ep_…)')
    .option('--status <status>', 'pending, retrying, succeeded or failed')
    .option('--after <id>', 'cursor: deliveries after this id')
    .option('--limit <n>', 'page size, 1 to 100', '20');
  addApiOptions(list).action(
    (endpoint: string, opts: ApiOptions & { status?: string; after?: string; limit: string }) =>
      withApi(list, opts, async (api) => {
        const page = await api.get<{ data: Row[]; list_metadata: { after: string | null } }>(
          `/endpoints/${encodeURIComponent(endpoint)}/deliveries`,
          { status: opts.status, after: opts.after, limit: opts.limit },
        );
        if (opts.json) return printJson(page);
        printTable(page.data, DELIVERY_COLUMNS);
        if (page.list_metadata.after)
          process.stderr.write(`more: --after ${page.list_metadata.after}\n`);
      }),
  );

  const get = new Command('get')
    .description('show a delivery with every attempt')
    .argument('<id>', 'delivery id');
  addApiOptions(get).action((id: string, opts: ApiOptions) =>
    withApi(get, opts, async (api) => {
      const d = await api.get<Row>(`/deliveries/${encodeURIComponent(id)}`);
      if (opts.json) return printJson(d);
      deliveryRecord(opts, d);
      process.stdout.write('\n');
      printTable((d.attempts as Row[] | undefined) ?? [], ATTEMPT_COLUMNS);
    }),
  );

  const retry = new Command('retry')
    .description('send a finished delivery again, with a fresh retry budget')
    .argument('<id>', 'delivery id');
  addApiOptions(retry).action((id: string, opts: ApiOptions) =>
    withApi(retry, opts, async (api) =>
      deliveryRecord(opts, await api.post<Row>(`/deliveries/${encodeURIComponent(id)}/retry`)),
    ),
  );

  return deliveries.addCommand(list).addCommand(get).addCommand(retry);
}
